import { expect } from 'chai';
import { after, before, describe, it } from 'mocha';
import { InterceptingCall, type Interceptor } from '@grpc/grpc-js';
import { cortexApi, cortexServices, rpcPath } from '../src/api.js';
import { Code, CortexClient, CortexError } from '../src/index.js';
import { freePort } from './server.js';

describe('CortexClient covers the API', function () {
  const methods = cortexServices(cortexApi()).flatMap((service) => service.methods);
  const called: string[] = [];
  const recordPath: Interceptor = (options, nextCall) => {
    called.push(options.method_definition.path);
    return new InterceptingCall(nextCall(options));
  };
  let client: CortexClient;

  before(async () => {
    // Nothing listens there: every call fails fast with UNAVAILABLE after it has been made.
    client = new CortexClient({ address: `127.0.0.1:${await freePort()}`, retry: { maxAttempts: 1 }, interceptors: [recordPath] });
  });
  after(() => client.close());

  it('reads every RPC of every cortex.v1 service from the descriptor set', () => {
    expect(methods.map(rpcPath)).to.include.members(['/cortex.v1.MemoryService/RunMaintenance', '/cortex.v1.LedgerService/Subscribe']);
  });

  it('has a method for every RPC, and that method calls it', async () => {
    const missing = methods.filter((m) => typeof Reflect.get(client, m.localName) !== 'function').map(rpcPath);
    expect(missing, 'RPCs without a CortexClient method').to.deep.equal([]);
    for (const method of methods) {
      const call = Reflect.get(client, method.localName) as (request: object) => Promise<unknown> | AsyncIterable<unknown>;
      const error = await settle(call.call(client, {}));
      expect(error, rpcPath(method)).to.be.instanceOf(CortexError).and.to.include({ code: Code.UNAVAILABLE });
      expect(called.at(-1)).to.equal(rpcPath(method));
    }
  });
});

/** What a unary call rejects with, or a stream throws on its first read. */
async function settle(call: Promise<unknown> | AsyncIterable<unknown>): Promise<unknown> {
  try {
    if (call instanceof Promise) await call;
    else for await (const message of call) return message;
  } catch (error: unknown) {
    return error;
  }
  return undefined;
}

import { expect } from 'chai';
import { after, before, describe, it } from 'mocha';
import { Code, CortexClient, CortexError } from '../src/index.js';
import { startServer, type CortexProcess } from './server.js';

describe('CortexClient against a server with API keys', function () {
  const API_KEY = '0123456789abcdef0123';
  let server: CortexProcess | undefined;
  const clients: CortexClient[] = [];
  const connect = (apiKey?: string) => {
    const client = new CortexClient({ address: server!.address, apiKey, defaultDeadlineMs: 10_000 });
    clients.push(client);
    return client;
  };

  before(async () => {
    server = await startServer({ env: { CORTEX_API_KEYS: `tester:${API_KEY}` } });
  });
  after(async () => {
    clients.forEach((c) => c.close());
    await server?.stop();
  });

  it('fails with UNAUTHENTICATED without the key', async () => {
    const error = await connect().listMemories({ namespace: 'auth' }).catch((e: unknown) => e);
    expect(error).to.be.instanceOf(CortexError).and.to.include({ code: Code.UNAUTHENTICATED, reason: 'MISSING_API_KEY' });
  });

  it('fails with UNAUTHENTICATED with a wrong key', async () => {
    const error = await connect('not-the-key-at-all-0000').listMemories({ namespace: 'auth' }).catch((e: unknown) => e);
    expect(error).to.be.instanceOf(CortexError).and.to.include({ code: Code.UNAUTHENTICATED, reason: 'INVALID_API_KEY' });
  });

  it('succeeds with the key, sent as a bearer token', async () => {
    const client = connect(API_KEY);
    await client.remember({ namespace: 'auth', memories: [{ id: 'a', content: 'authenticated write' }] });
    const page = await client.listMemories({ namespace: 'auth' });
    expect(page.memories.map((m) => m.id)).to.deep.equal(['a']);
  });
});

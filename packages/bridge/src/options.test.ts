import { expect } from 'chai';
import { describe, it } from 'mocha';
import { parseBridgeArgs, UsageError, type BridgeOptions } from './options.js';

const SECRET = 'x'.repeat(32);
const parse = (args: string[], env: NodeJS.ProcessEnv = { CORTEX_BRIDGE_SECRET: SECRET }) => parseBridgeArgs(args, env) as BridgeOptions;
const problems = (args: string[], env: NodeJS.ProcessEnv = {}) => {
  try {
    parseBridgeArgs(args, env);
  } catch (error: unknown) {
    expect(error).to.be.instanceOf(UsageError);
    return (error as UsageError).message.split('\n');
  }
  throw new Error('parsed without complaint');
};

describe('cortex bridge options', () => {
  it('reads the server, the filters and the webhook like the SDKs, with defaults', () => {
    const options = parse(['--webhook', 'https://hooks.example/cortex', '--namespace', 'ops', '--action', 'a.b', '--action', 'c.d'], {
      CORTEX_BRIDGE_SECRET: SECRET,
      CORTEX_ADDR: 'dns:///cortex:4949',
      CORTEX_API_KEY: 'key-1',
    });
    expect(options).to.deep.include({ address: 'dns:///cortex:4949', apiKey: 'key-1', tls: undefined, namespace: 'ops', actions: ['a.b', 'c.d'] });
    expect(options).to.deep.include({ fromSeq: 0, toSeq: 0, cursorPath: 'cortex-bridge.cursor.json' });
    expect(options.sink).to.deep.include({ kind: 'webhook', secret: { value: SECRET }, timeoutMs: 10_000, breakerFailures: 5 });
  });

  it('turns TLS on with any TLS flag', () => {
    expect(parse(['--stdout', '--ca', 'ca.pem']).tls).to.deep.include({ ca: 'ca.pem' });
    expect(parse(['--stdout', '--tls']).tls).to.deep.equal({ ca: undefined, cert: undefined, key: undefined, serverName: undefined });
    expect(parse(['--stdout', '--from-seq', 'head']).fromSeq).to.equal('head');
  });

  it('names every problem at once', () => {
    expect(problems(['--webhook', 'ftp://x', '--timeout-ms', '0', '--cert', 'c.pem'], { CORTEX_BRIDGE_SECRET: 'short' })).to.deep.equal([
      '--webhook must be an http(s) URL, got "ftp://x"',
      'the secret in $CORTEX_BRIDGE_SECRET must be at least 32 characters',
      '--timeout-ms must be an integer >= 1, got "0"',
      '--cert and --key go together',
    ]);
  });

  it('needs exactly one destination, and a secret for a webhook', () => {
    expect(problems([])).to.deep.equal(['say where transactions go: --webhook URL or --stdout']);
    expect(problems(['--stdout', '--webhook', 'http://x'], { CORTEX_BRIDGE_SECRET: SECRET })).to.deep.equal(['give either --webhook or --stdout, not both']);
    expect(problems(['--webhook', 'http://x'])).to.deep.equal(['--webhook needs a secret to sign with: $CORTEX_BRIDGE_SECRET or --secret-file FILE']);
    expect(parse(['--webhook', 'http://x', '--secret-file', 's.txt'], {}).sink).to.deep.include({ secret: { file: 's.txt' } });
  });

  it('rejects unknown flags and asks for help', () => {
    expect(problems(['--stdout', '--nope'])[0]).to.match(/Unknown option '--nope'/);
    expect(parseBridgeArgs(['--help'], {})).to.equal('help');
  });
});

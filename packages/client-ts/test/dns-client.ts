// A CortexClient in a process of its own whose grpc-js resolves `dns://<server>/name:port`
// targets through the DNS server the target names: grpc-js does that only with
// GRPC_NODE_USE_ALTERNATIVE_RESOLVER=true, read once when it loads, and then for every name,
// `localhost` included, so the tests that need it run their client here (see discovery.test.ts).
//
// Usage: node --import tsx test/dns-client.ts <target>. Each line on stdin is
// `{"method": "countTokens", "requests": [...]}`; each request is sent in turn, without retries,
// and one line comes back: `{"outcomes": ["OK", "UNIMPLEMENTED", ...]}`.
import { createInterface } from 'node:readline';
import { CortexClient, CortexError } from '../src/index.js';

const [target] = process.argv.slice(2);
if (target === undefined) throw new Error('usage: dns-client.ts <target>');
const client = new CortexClient({ address: target, retry: { maxAttempts: 1 }, defaultDeadlineMs: 10_000 });

for await (const line of createInterface({ input: process.stdin })) {
  const { method, requests } = JSON.parse(line) as { method: string; requests: unknown[] };
  const call = Reflect.get(client, method) as (request: unknown) => Promise<unknown>;
  const outcomes: string[] = [];
  for (const request of requests) {
    outcomes.push(await call.call(client, request).then(() => 'OK', (error: unknown) => CortexError.from(error).codeName));
  }
  process.stdout.write(`${JSON.stringify({ outcomes })}\n`);
}
client.close();

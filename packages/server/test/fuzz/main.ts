/**
 * `npm run test:fuzz -- [--seconds 60] [--seed N --path P]`: the fuzzer against a fresh real
 * server, for as long as asked; prints a JSON summary (calls per RPC and status) and, on a
 * failure, the shrunk request and the command that replays it. Exits 1 on a failure.
 */
import { parseArgs } from 'node:util';
import { startTestServer } from '../harness.js';
import { runFuzz } from './run.js';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '60' },
    seed: { type: 'string' },
    path: { type: 'string' },
  },
});
const seconds = Number(values.seconds);
if (!(seconds > 0)) throw new Error(`--seconds must be a positive number (got ${values.seconds})`);

const server = await startTestServer();
try {
  const report = await runFuzz({
    address: server.address,
    seconds,
    ...(values.seed !== undefined ? { seed: Number(values.seed) } : {}),
    ...(values.path !== undefined ? { path: values.path } : {}),
  });
  console.log(JSON.stringify({ seed: report.seed, runs: report.runs, seconds: report.seconds, outcomes: report.outcomes }, null, 2));
  if (report.failure !== undefined) {
    console.error(report.failure);
    process.exitCode = 1;
  }
} finally {
  await server.stop();
}

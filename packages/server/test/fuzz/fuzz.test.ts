import { expect } from 'chai';
import { startTestServer, type TestServer } from '../harness.js';
import { runFuzz } from './run.js';

/** The suite's short run; `npm run test:fuzz -- --seconds N` runs longer (CORTEX_FUZZ_SECONDS here). */
const SECONDS = Number(process.env.CORTEX_FUZZ_SECONDS ?? 20);

describe('fuzzing every RPC with generated and mutated requests', function () {
  this.timeout((SECONDS + 120) * 1000);
  let server: TestServer;
  before(async () => {
    server = await startTestServer();
  });
  after(async () => {
    await server.stop();
  });

  it('never answers INTERNAL, UNKNOWN or not at all, and leaves the server serving with a ledger that verifies', async () => {
    const report = await runFuzz({ address: server.address, seconds: SECONDS });
    expect(report.failure, report.failure).to.equal(undefined);
    expect(report.runs).to.be.greaterThan(0);
  });
});

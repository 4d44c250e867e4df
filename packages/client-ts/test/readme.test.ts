import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'mocha';
import { startServer, type CortexProcess } from './server.js';

const PACKAGE = join(import.meta.dirname, '..');
const QUICKSTART = join(PACKAGE, 'examples', 'quickstart.ts');
const README = join(PACKAGE, '..', '..', 'README.md');

describe("the repository README's TypeScript quick start", function () {
  let server: CortexProcess | undefined;
  before(async () => {
    server = await startServer();
  });
  after(async () => {
    await server?.stop();
  });

  it('is examples/quickstart.ts, word for word', () => {
    const blocks = [...readFileSync(README, 'utf8').matchAll(/```ts\n(.*?)```/gs)].map((m) => m[1]);
    expect(blocks, 'the README shows no ```ts block that is examples/quickstart.ts').to.include(readFileSync(QUICKSTART, 'utf8'));
  });

  it('runs against a fresh server, twice, printing each of the five steps', async () => {
    for (const run of [1, 2]) {
      const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', QUICKSTART], {
        cwd: PACKAGE,
        env: { ...process.env, CORTEX_ADDR: server!.address, CORTEX_API_KEY: undefined },
      });
      expect(stdout, `run ${run}`).to.include('The staging deploy failed: migration 42 timed out');
      expect(stdout, `run ${run}`).to.match(/^\d+ tokens:$/m);
      expect(stdout, `run ${run}`).to.include('1 hot memories, ledger head 1');
      expect(stdout, `run ${run}`).to.match(/^1 memory\.created deploy-42$/m);
    }
  });
});

import { expect } from 'chai';
import type { BackgroundJob } from './job.js';
import { createJobs } from './registry.js';
import { yieldToEventLoop } from './yield.js';

describe('background job registry', () => {
  const log: string[] = [];
  const job = (name: string): BackgroundJob => ({
    start: () => void log.push(`start ${name}`),
    async stop() {
      log.push(`stopping ${name}`);
      await yieldToEventLoop();
      log.push(`stopped ${name}`);
    },
  });
  beforeEach(() => {
    log.length = 0;
  });

  it('starts jobs in the order added and stops them in reverse, each after the one added later has stopped', async () => {
    const jobs = createJobs();
    jobs.add(job('store'), job('index'));
    jobs.add(job('server'));
    jobs.start();
    await jobs.stop();
    expect(log).to.deep.equal([
      'start store',
      'start index',
      'start server',
      'stopping server',
      'stopped server',
      'stopping index',
      'stopped index',
      'stopping store',
      'stopped store',
    ]);
  });
});

import { expect } from 'chai';
import { createPeriodicJob } from './periodic.js';

async function until(check: () => boolean): Promise<void> {
  while (!check()) await new Promise((resolve) => setTimeout(resolve, 2));
}

describe('periodic background job', () => {
  it('runs repeatedly once started, never two runs at once', async () => {
    let runs = 0;
    let active = 0;
    let overlapped = false;
    const job = createPeriodicJob({
      intervalMs: 1,
      async run() {
        active += 1;
        overlapped ||= active > 1;
        await new Promise((resolve) => setTimeout(resolve, 5));
        active -= 1;
        runs += 1;
      },
      onError: (error) => expect.fail(String(error)),
    });
    job.start();
    await until(() => runs >= 3);
    await job.stop();
    expect(overlapped).to.equal(false);
  });

  it('waits on stop for the run in progress, then never runs again', async () => {
    let release: () => void = () => undefined;
    let started = 0;
    let finished = 0;
    const job = createPeriodicJob({
      intervalMs: 1,
      async run() {
        started += 1;
        await new Promise<void>((resolve) => (release = resolve));
        finished += 1;
      },
      onError: (error) => expect.fail(String(error)),
    });
    job.start();
    await until(() => started === 1);
    const stopped = job.stop();
    release();
    await stopped;
    expect(finished).to.equal(1);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(started).to.equal(1);
  });

  it('reports a run that throws and keeps the schedule', async () => {
    const errors: unknown[] = [];
    let runs = 0;
    const job = createPeriodicJob({
      intervalMs: 1,
      run() {
        runs += 1;
        if (runs === 1) throw new Error('disk full');
      },
      onError: (error) => errors.push(error),
    });
    job.start();
    await until(() => runs >= 2);
    await job.stop();
    expect(errors).to.have.length(1);
    expect((errors[0] as Error).message).to.equal('disk full');
  });

  it('never runs with an interval of 0, nor when stopped before it starts', async () => {
    let runs = 0;
    const never = createPeriodicJob({ intervalMs: 0, run: () => (runs += 1), onError: () => undefined });
    never.start();
    const stoppedFirst = createPeriodicJob({ intervalMs: 1, run: () => (runs += 1), onError: () => undefined });
    await stoppedFirst.stop();
    stoppedFirst.start();
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(runs).to.equal(0);
    await never.stop();
  });
});

import type { BackgroundJob } from './job.js';

/** The background jobs of one process, started in the order added and stopped in reverse. */
export interface Jobs {
  /** Adds jobs after those already added: each may rely on the ones before it while it runs. */
  add(...jobs: BackgroundJob[]): void;
  start(): void;
  /** Stops the jobs last added first, each once the one after it has stopped. */
  stop(): Promise<void>;
}

export function createJobs(): Jobs {
  const jobs: BackgroundJob[] = [];
  return {
    add(...more) {
      jobs.push(...more);
    },
    start() {
      for (const job of jobs) job.start();
    },
    async stop() {
      for (const job of jobs.toReversed()) await job.stop();
    },
  };
}

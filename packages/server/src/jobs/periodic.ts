import type { BackgroundJob } from './job.js';

export interface PeriodicJobOptions {
  /** The pause between the end of one run and the start of the next; 0 never schedules a run. */
  readonly intervalMs: number;
  readonly run: () => unknown;
  /** A run that throws is reported here; the schedule goes on. */
  readonly onError: (error: unknown) => void;
}

/**
 * Runs `run` every `intervalMs`, never two at once, on a timer that does not hold the process
 * open. Stop clears the timer and waits for a run in progress.
 */
export function createPeriodicJob({ intervalMs, run, onError }: PeriodicJobOptions): BackgroundJob {
  let timer: NodeJS.Timeout | undefined;
  let current: Promise<void> | undefined;
  let stopped = false;

  const tick = async (): Promise<void> => {
    try {
      await run();
    } catch (error: unknown) {
      onError(error);
    }
    if (!stopped) schedule();
  };
  const schedule = (): void => {
    timer = setTimeout(() => {
      current = tick();
    }, intervalMs);
    timer.unref();
  };

  return {
    start() {
      if (stopped || timer !== undefined || intervalMs <= 0) return;
      schedule();
    },
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await current;
    },
  };
}

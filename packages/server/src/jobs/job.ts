/**
 * Work that runs in the background of the server (a schedule, a worker thread, a listening
 * server). Every one is created idle and started and stopped by its owner (see registry.ts).
 * Both are function-typed properties, not methods: owners pass `start` around unbound.
 */
export interface BackgroundJob {
  /** Begins the work; calling it again, or after stop, does nothing. */
  start: () => void;
  /** Ends the work for good and resolves once a run in progress has finished; safe before start and twice. */
  stop: () => Promise<void>;
}

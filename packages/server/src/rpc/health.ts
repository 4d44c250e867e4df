import type { Server, ServerWritableStream, UntypedServiceImplementation } from '@grpc/grpc-js';
import { HealthImplementation, type ServingStatus } from 'grpc-health-check';
import type { Logger } from 'winston';
import { errorMessage } from '../errors.js';
import { createPeriodicJob } from '../jobs/index.js';

/** A real dependency check: resolves when the dependency works, throws with the reason when not. */
export type HealthCheck = () => void | Promise<void>;

export interface HealthMonitorDeps {
  readonly logger: Logger;
  readonly checks: Readonly<Record<string, HealthCheck>>;
  /** Fully-qualified service name → the checks it depends on. '' is the whole server. */
  readonly services: Readonly<Record<string, readonly string[]>>;
  readonly intervalMs: number;
}

/**
 * Feeds grpc.health.v1 from periodic dependency checks, so a load balancer sees a broken
 * database or model as NOT_SERVING instead of a process that merely answers.
 */
export function createHealthMonitor(deps: HealthMonitorDeps) {
  const published = new Map<string, ServingStatus>(Object.keys(deps.services).map((s) => [s, 'NOT_SERVING']));
  const health = new HealthImplementation(Object.fromEntries(published));
  const failures = new Map<string, string>();
  /** Open Health/Watch streams; they end on drain, or they would hold the server's graceful shutdown. */
  const watches = new Set<WatchCall>();
  let draining = false;

  async function runChecks(): Promise<ReadonlyMap<string, string>> {
    const previous = new Map(failures);
    failures.clear();
    for (const [name, check] of Object.entries(deps.checks)) {
      try {
        await check();
      } catch (error: unknown) {
        failures.set(name, errorMessage(error));
      }
    }
    for (const [name, reason] of failures) {
      if (previous.get(name) !== reason) deps.logger.warn('health check failing', { check: name, reason });
    }
    for (const name of previous.keys()) {
      if (!failures.has(name)) deps.logger.info('health check recovered', { check: name });
    }
    publish();
    return failures;
  }

  /** Sends a Watch update only on a change (as grpc.health.v1 says); once drained nothing changes again. */
  function publish(): void {
    for (const [service, needs] of Object.entries(deps.services)) {
      const status = !draining && needs.every((check) => !failures.has(check)) ? 'SERVING' : 'NOT_SERVING';
      if (published.get(service) === status) continue;
      published.set(service, status);
      health.setStatus(service, status);
    }
  }

  /** grpc-health-check's Health service, with its Watch streams kept in `watches`. */
  function addToServer(server: Pick<Server, 'addService'>): void {
    health.addToServer({
      addService: (definition, handlers) => {
        const watch = handlers.watch as (call: WatchCall) => void;
        const watched: UntypedServiceImplementation = {
          ...handlers,
          watch: (call: WatchCall) => {
            watch(call); // writes the current status first
            if (draining) {
              call.end();
              return;
            }
            watches.add(call);
            call.on('cancelled', () => watches.delete(call));
          },
        };
        server.addService(definition, watched);
      },
    });
  }

  const schedule = createPeriodicJob({
    intervalMs: deps.intervalMs,
    run: runChecks,
    onError: (error) => deps.logger.error('health checks failed', { error: errorMessage(error) }),
  });

  /** Shutdown: report NOT_SERVING everywhere so balancers stop routing here, then end every Watch (OK). */
  function drain(): void {
    draining = true;
    publish();
    for (const call of watches) call.end();
    watches.clear();
  }

  return {
    addToServer,
    runChecks,
    /** Checks again every intervalMs. */
    start: () => schedule.start(),
    drain,
    /** Drains, then stops the checks once the one in progress has finished. */
    async stop(): Promise<void> {
      drain();
      await schedule.stop();
    },
    isServing(): boolean {
      return !draining && failures.size === 0;
    },
  };
}

export type HealthMonitor = ReturnType<typeof createHealthMonitor>;

type WatchCall = ServerWritableStream<unknown, unknown>;

import { createHistogram, monitorEventLoopDelay, type IntervalHistogram, type RecordableHistogram } from 'node:perf_hooks';
import { Summary, type Registry } from 'prom-client';
import type { BackgroundJob } from '../jobs/index.js';

export interface EventLoopLagOptions {
  readonly registry: Registry;
  /** The quantiles cover the delays sampled in this last stretch of time (default 10 s). */
  readonly windowMs?: number;
  /** The window moves on in this many steps (default 5). */
  readonly steps?: number;
  /** Sampling interval of the delay timer (default 10 ms, as prom-client's own lag metrics). */
  readonly resolutionMs?: number;
}

export interface EventLoopLag extends BackgroundJob {
  /** p50 / p99 / max over the window, in seconds (0 before the first sample). */
  snapshot(): { p50: number; p99: number; max: number };
}

const NS_PER_S = 1e9;
const QUANTILES = [0.5, 0.99, 1] as const;

/**
 * `cortex_event_loop_lag_seconds`: how late the event loop ran a timer (beyond its interval), as a summary over a sliding
 * window (quantile "1" is the maximum) with the total count and sum since start. Work that blocks the
 * loop (a long synchronous batch, model inference on the main thread) shows here as lag that every
 * RPC waiting behind it pays.
 */
export function createEventLoopLag({ registry, windowMs = 10_000, steps = 5, resolutionMs = 10 }: EventLoopLagOptions): EventLoopLag {
  const monitor: IntervalHistogram = monitorEventLoopDelay({ resolution: resolutionMs });
  /** The last `steps - 1` finished steps, oldest first; the monitor holds the current one. */
  const finished: RecordableHistogram[] = [];
  let totalCount = 0;
  let totalSumNs = 0;
  let timer: NodeJS.Timeout | undefined;

  const closeStep = (): void => {
    totalCount += monitor.count;
    totalSumNs += monitor.count > 0 ? monitor.mean * monitor.count : 0;
    finished.push(copyOf(monitor));
    if (finished.length >= steps) finished.shift();
    monitor.reset();
  };

  const window = (): RecordableHistogram => {
    const merged = copyOf(monitor);
    for (const step of finished) merged.add(step);
    return merged;
  };

  // The monitor records the time between its timer's runs, the resolution included: an idle loop
  // reads as 10 ms. The lag is what comes on top of the resolution.
  const resolutionNs = resolutionMs * 1e6;
  const lateBy = (intervalNs: number): number => Math.max(0, intervalNs - resolutionNs) / NS_PER_S;

  const snapshot = () => {
    const merged = window();
    if (merged.count === 0) return { p50: 0, p99: 0, max: 0 };
    return { p50: lateBy(merged.percentile(50)), p99: lateBy(merged.percentile(99)), max: lateBy(merged.max) };
  };

  registry.registerMetric(
    new WindowSummary(`Event-loop delay over the last ${windowMs / 1000} s (quantile 1 is the maximum); count and sum since start.`, () => {
      const current = monitor.count > 0 ? monitor.mean * monitor.count : 0;
      const { p50, p99, max } = snapshot();
      const count = totalCount + monitor.count;
      return { quantiles: [p50, p99, max], count, sum: Math.max(0, totalSumNs + current - count * resolutionNs) / NS_PER_S };
    }),
  );

  return {
    snapshot,
    start() {
      if (timer !== undefined) return;
      monitor.enable();
      timer = setInterval(closeStep, windowMs / steps);
      timer.unref();
    },
    stop() {
      clearInterval(timer);
      monitor.disable();
      return Promise.resolve();
    },
  };
}

/**
 * The delay monitor's distribution as a histogram that can be merged (an ELD histogram cannot be
 * added to another): each of its percentile steps recorded as many times as samples fell in it.
 */
function copyOf(monitor: IntervalHistogram): RecordableHistogram {
  const copy = createHistogram();
  if (monitor.count === 0) return copy;
  // Cumulative rounding, so a handful of samples (a loop blocked for most of the step) is not lost.
  let recorded = 0;
  for (const [percentile, valueNs] of monitor.percentiles) {
    const upTo = Math.round((percentile / 100) * monitor.count);
    for (; recorded < upTo; recorded += 1) copy.record(Math.max(1, Math.round(valueNs)));
  }
  return copy;
}

interface WindowValues {
  readonly quantiles: readonly number[];
  readonly count: number;
  readonly sum: number;
}

/**
 * A prom-client Summary whose values come from the window above rather than from observations:
 * it keeps the summary type on /metrics, and observes nothing itself.
 */
class WindowSummary extends Summary {
  static readonly metricName = 'cortex_event_loop_lag_seconds';
  readonly #read: () => WindowValues;

  constructor(help: string, read: () => WindowValues) {
    super({ name: WindowSummary.metricName, help, percentiles: [...QUANTILES], registers: [] });
    this.#read = read;
  }

  /** The summary's own metadata (name, help, type), with the window's values in place of observations. */
  override async get(): ReturnType<Summary['get']> {
    const own = await super.get();
    const { quantiles, count, sum } = this.#read();
    const name = WindowSummary.metricName;
    return {
      ...own,
      values: [
        ...QUANTILES.map((quantile, i) => ({ labels: { quantile }, value: quantiles[i] ?? 0, metricName: name })),
        { labels: {}, value: sum, metricName: `${name}_sum` },
        { labels: {}, value: count, metricName: `${name}_count` },
      ],
    };
  }
}

// Watches the server process while the load runs: its resident memory (from /proc) and its
// event-loop lag (cortex_event_loop_lag_seconds, scraped from /metrics), once a second.
import type { ServerProcess } from './server-process.js';

/** The server's lag summary covers this window (observability/event-loop-lag.ts). */
export const LAG_WINDOW_MS = 10_000;

export interface Sample {
  /** ms since the observer started. */
  readonly t: number;
  readonly rssBytes: number | undefined;
  /** Seconds, over the server's window ending at t; undefined when the scrape failed. */
  readonly lag: { p50: number; p99: number; max: number } | undefined;
}

export interface Observer {
  readonly samples: readonly Sample[];
  /** ms on the observer's clock, to mark where a row starts and ends. */
  now(): number;
  /** Lag (ms) and peak RSS (MiB) over [from, to]: see `lagOver`. */
  over(from: number, to: number): { eventLoopLagMs: { p50: number; p99: number; max: number } | undefined; peakRssMiB: number | undefined };
  stop(): Promise<void>;
}

function parseLag(text: string): Sample['lag'] {
  const value = (q: string) => {
    const match = new RegExp(`^cortex_event_loop_lag_seconds\\{quantile="${q}"\\} (\\S+)$`, 'm').exec(text);
    return match ? Number(match[1]) : Number.NaN;
  };
  const lag = { p50: value('0.5'), p99: value('0.99'), max: value('1') };
  return Number.isNaN(lag.p99) ? undefined : lag;
}

export function startObserver(server: ServerProcess, everyMs = 1000): Observer {
  const began = performance.now();
  const samples: Sample[] = [];
  const state = { stopped: false };
  const loop = (async () => {
    while (!state.stopped) {
      const t = performance.now() - began;
      let lag: Sample['lag'];
      try {
        lag = parseLag(await (await fetch(server.metricsUrl, { signal: AbortSignal.timeout(5000) })).text());
      } catch {
        lag = undefined; // a scrape the blocked server did not answer in time shows as a gap
      }
      samples.push({ t, rssBytes: server.rssBytes(), lag });
      await new Promise((resolve) => setTimeout(resolve, everyMs));
    }
  })();
  const ms = (s: number) => Math.round(s * 10_000) / 10;
  return {
    samples,
    now: () => performance.now() - began,
    /**
     * The scrapes whose whole window lies inside [from, to] (the last scrape of the stretch when it
     * is shorter than the window): the median of their p50s, the highest p99 and the maximum.
     */
    over(from, to) {
      const inside = samples.filter((s) => s.t >= from && s.t <= to);
      const full = inside.filter((s) => s.t - LAG_WINDOW_MS >= from && s.lag !== undefined);
      const lagged = (full.length > 0 ? full : inside.filter((s) => s.lag !== undefined).slice(-1)).map((s) => s.lag!);
      const rss = inside.map((s) => s.rssBytes ?? 0);
      const p50s = lagged.map((l) => l.p50).sort((a, b) => a - b);
      const highest = (pick: (l: NonNullable<Sample['lag']>) => number) => ms(Math.max(...lagged.map(pick)));
      const median = p50s[Math.floor(p50s.length / 2)];
      return {
        eventLoopLagMs: median === undefined ? undefined : { p50: ms(median), p99: highest((l) => l.p99), max: highest((l) => l.max) },
        peakRssMiB: rss.length === 0 ? undefined : Math.round(Math.max(...rss) / 2 ** 20),
      };
    },
    async stop() {
      state.stopped = true;
      await loop;
    },
  };
}

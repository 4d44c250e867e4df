// Small helpers shared by the benchmarks: argument parsing, percentiles, progress on stderr.

/** `--name=value` or `--name value`; the fallback when absent. */
export function option(name: string, fallback: string): string {
  const argv = process.argv.slice(2);
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i]!;
    if (arg.startsWith(`--${name}=`)) return arg.slice(name.length + 3);
    if (arg === `--${name}` && argv[i + 1] !== undefined && !argv[i + 1]!.startsWith('--')) return argv[i + 1]!;
  }
  return fallback;
}

/** `--name` present (a bare flag). */
export function flag(name: string): boolean {
  return process.argv.slice(2).includes(`--${name}`);
}

export const progress = (message: string): void => void process.stderr.write(`${message}\n`);

export const round = (x: number, digits = 3): number => Number(x.toFixed(digits));

/** Nearest-rank percentile of an ascending list (p in 0..1). */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(sorted.length * p) - 1))]!;
}

/** p50/p99/mean of latencies in milliseconds, rounded for a report. */
export function latencySummary(samples: readonly number[]): { n: number; p50Ms: number; p99Ms: number; meanMs: number } {
  const sorted = [...samples].sort((a, b) => a - b);
  const mean = sorted.reduce((s, x) => s + x, 0) / Math.max(1, sorted.length);
  return { n: sorted.length, p50Ms: round(percentile(sorted, 0.5)), p99Ms: round(percentile(sorted, 0.99)), meanMs: round(mean) };
}

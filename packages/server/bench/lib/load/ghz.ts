// ghz (github.com/bojand/ghz), a Go gRPC load tool, for the closed-loop Recall rows: it reads the
// API from the server's reflection service (its own proto parser rejects proto3 `optional`) and
// keeps far more calls in flight per core than a Node client can. scripts/install-ghz.sh builds the
// pinned version into the gitignored .tools/bin.
import { execFile, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { progress } from '../cli.js';

const REPO = join(import.meta.dirname, '..', '..', '..', '..', '..');
const GHZ = join(REPO, '.tools', 'bin', 'ghz');

/** The pinned ghz, installed now if missing; undefined when it cannot be (no Go). */
export function ensureGhz(): string | undefined {
  const install = spawnSync('bash', [join(REPO, 'scripts', 'install-ghz.sh')], { stdio: ['ignore', 'inherit', 'inherit'] });
  return install.status === 0 && existsSync(GHZ) ? GHZ : undefined;
}

export interface GhzRun {
  readonly address: string;
  /** Full method name, e.g. cortex.v1.MemoryService.Recall. */
  readonly call: string;
  readonly concurrency: number;
  readonly durationMs: number;
  /** Request messages in proto JSON, sent round-robin; ghz's call templates ({{.RequestNumber}}) apply. */
  readonly messages: readonly object[];
}

export interface GhzSummary {
  readonly calls: number;
  readonly ok: number;
  readonly errors: Record<string, number>;
  readonly rps: number;
  readonly latencyMs: { p50: number; p90: number; p99: number; max: number; mean: number };
}

interface GhzReport {
  count: number;
  rps: number;
  average: number;
  slowest: number;
  latencyDistribution: Array<{ percentage: number; latency: number }> | null;
  statusCodeDistribution: Record<string, number> | null;
}

const NS_PER_MS = 1e6;

export async function runGhz(ghz: string, run: GhzRun): Promise<GhzSummary> {
  const dir = mkdtempSync(join(tmpdir(), 'cortex-ghz-'));
  try {
    const dataFile = join(dir, 'data.json');
    writeFileSync(dataFile, JSON.stringify(run.messages));
    const args = [
      '--insecure',
      '--call', run.call,
      '--concurrency', String(run.concurrency),
      // One connection per client, as separate agents would have.
      '--connections', String(run.concurrency),
      '--duration', `${Math.round(run.durationMs / 1000)}s`,
      // Calls still in flight when the time is up are neither counted nor reported as errors.
      '--duration-stop', 'ignore',
      '--timeout', '60s',
      '--data-file', dataFile,
      '--format', 'json',
      run.address,
    ];
    const { stdout } = await promisify(execFile)(ghz, args, { maxBuffer: 64 * 1024 * 1024 });
    const report = JSON.parse(stdout) as GhzReport;
    const at = (p: number) => (report.latencyDistribution?.find((d) => d.percentage === p)?.latency ?? Number.NaN) / NS_PER_MS;
    const codes = report.statusCodeDistribution ?? {};
    const errors = Object.fromEntries(Object.entries(codes).filter(([code]) => code !== 'OK'));
    return {
      calls: report.count,
      ok: codes.OK ?? 0,
      errors,
      rps: Math.round(report.rps),
      latencyMs: { p50: at(50), p90: at(90), p99: at(99), max: report.slowest / NS_PER_MS, mean: report.average / NS_PER_MS },
    };
  } catch (error) {
    progress(`ghz failed: ${String(error)}`);
    throw error;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

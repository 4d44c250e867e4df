import { spawn, type ChildProcess } from 'node:child_process';
import { EventEmitter, once } from 'node:events';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

const BRIDGE_MAIN = join(import.meta.dirname, '..', 'src', 'main.ts');
/** The `cortex` CLI of the server package, which dispatches `cortex bridge` to this package. */
export const CORTEX_MAIN = join(import.meta.dirname, '..', '..', 'server', 'src', 'main.ts');

export interface LogLine {
  readonly level: string;
  readonly message: string;
  readonly [field: string]: unknown;
}

/** `cortex bridge` as a child process (from source, through tsx), with its output collected. */
export class BridgeProcess {
  readonly logs: LogLine[] = [];
  readonly stdout: string[] = [];
  readonly exited: Promise<number | null>;
  readonly #child: ChildProcess;
  readonly #events = new EventEmitter();
  #running = true;

  constructor(args: string[], env: Record<string, string>, options: { readonly viaCortexCli?: boolean } = {}) {
    const entry = options.viaCortexCli ? [CORTEX_MAIN, 'bridge'] : [BRIDGE_MAIN];
    this.#child = spawn(process.execPath, ['--import', 'tsx', ...entry, ...args], {
      env: { ...process.env, CORTEX_LOG_LEVEL: 'debug', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.exited = once(this.#child, 'close').then(([code]) => {
      this.#running = false;
      return code as number | null;
    });
    createInterface({ input: this.#child.stdout! }).on('line', (line) => this.stdout.push(line));
    createInterface({ input: this.#child.stderr! }).on('line', (line) => {
      try {
        this.logs.push(JSON.parse(line) as LogLine);
      } catch {
        process.stderr.write(`${line}\n`); // Not a log line: show it.
      }
      this.#events.emit('log');
    });
  }

  /** Log lines with this message. */
  logged(message: string): LogLine[] {
    return this.logs.filter((l) => l.message === message);
  }

  /** Resolves once a line with this message (and, if given, this property) has been logged. */
  async untilLogged(message: string, matches: (line: LogLine) => boolean = () => true): Promise<LogLine> {
    for (;;) {
      const line = this.logs.find((l) => l.message === message && matches(l));
      if (line !== undefined) return line;
      if (!this.#running) throw new Error(`the bridge exited before logging "${message}"`);
      await Promise.race([once(this.#events, 'log'), this.exited]);
    }
  }

  /** SIGTERM, as an orchestrator stops it; resolves to the exit status. */
  async stop(): Promise<number | null> {
    this.#child.kill('SIGTERM');
    return this.exited;
  }

  /** SIGKILL: no chance to clean up, as in a crash. */
  async kill(): Promise<void> {
    this.#child.kill('SIGKILL');
    await this.exited;
  }
}

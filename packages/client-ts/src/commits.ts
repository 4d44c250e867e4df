import { setTimeout as sleep } from 'node:timers/promises';
import type { Commit, SubscribeRequest, SubscribeResponse } from '@cortex/proto/cortex/v1/ledger_service';
import { Code } from '@cortex/proto/google/rpc/code';
import { CortexError } from './errors.js';
import { backoffMs, type RetryPolicy } from './retry.js';

/**
 * Failures after which a commit subscription reconnects: the server went away or shut down
 * (UNAVAILABLE), or cut off a subscriber that fell behind (RESOURCE_EXHAUSTED). The same set as
 * the Go and Python SDKs resume after.
 */
const RESUMABLE: ReadonlySet<Code> = new Set([Code.UNAVAILABLE, Code.RESOURCE_EXHAUSTED]);

/** Every complete transaction of the ledger from a seq on, across reconnects. */
export interface CommitSubscription extends AsyncIterable<Commit> {
  /**
   * The first seq not yet delivered: where a subscription started again (say after this
   * process restarts) resumes without a gap. It moves once a whole transaction has been handed
   * out, and on progress messages between transactions.
   */
  readonly nextSeq: number;
}

export interface CommitStreamDeps {
  readonly request: SubscribeRequest;
  /** Opens one Subscribe stream for `request`; it ends or throws as the call does. */
  readonly open: (request: SubscribeRequest) => AsyncIterable<SubscribeResponse>;
  /** Backoff between reconnects (its attempt limit does not apply). */
  readonly policy: RetryPolicy;
  /** Failed reconnects in a row after which the last error is thrown (default: no limit). */
  readonly maxReconnects?: number | undefined;
  readonly signal?: AbortSignal | undefined;
}

/**
 * Joins the parts of large transactions, resumes after the last complete transaction when the
 * stream breaks, and so yields each transaction once, in order, whatever the server does in
 * between (restarts, drains, cuts off a slow reader).
 */
export class CommitStream implements CommitSubscription {
  readonly #deps: CommitStreamDeps;
  #nextSeq: number;

  constructor(deps: CommitStreamDeps) {
    if (deps.maxReconnects !== undefined && !(Number.isInteger(deps.maxReconnects) && deps.maxReconnects >= 0)) {
      throw new RangeError(`maxReconnects must be an integer >= 0, got ${deps.maxReconnects}`);
    }
    this.#deps = deps;
    this.#nextSeq = deps.request.fromSeq;
  }

  get nextSeq(): number {
    return this.#nextSeq;
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<Commit, void, undefined> {
    const { open, request, policy, signal } = this.#deps;
    for (let failures = 0; ; ) {
      const parts: Commit[] = [];
      try {
        for await (const message of open({ ...request, fromSeq: this.#nextSeq })) {
          failures = 0;
          const commit = this.#accept(message, parts);
          if (commit !== undefined) yield commit;
        }
        return; // The server ended the stream: the range (toSeq) is done, or the caller aborted.
      } catch (thrown) {
        const error = CortexError.from(thrown);
        failures += 1;
        if (!RESUMABLE.has(error.code) || failures > (this.#deps.maxReconnects ?? Infinity)) throw error;
        const wait = Math.max(backoffMs(failures, policy), error.retryAfterMs ?? 0);
        const waited = await sleep(wait, true, signal ? { signal } : {}).catch(() => false);
        if (!waited) return;
      }
    }
  }

  /** The transaction `message` completes, if any; moves the resume point. */
  #accept(message: SubscribeResponse, parts: Commit[]): Commit | undefined {
    if (message.progress !== undefined) {
      // Everything up to head_seq that passes the filters was delivered; mid-transaction the
      // server still resends the transaction whole, so the resume point stays.
      if (parts.length === 0) this.#nextSeq = Math.max(this.#nextSeq, message.progress.headSeq + 1);
      return undefined;
    }
    if (message.commit === undefined) return undefined;
    parts.push(message.commit);
    if (message.commit.continued) return undefined;
    const whole = join(parts.splice(0));
    const last = whole.entries.at(-1);
    if (last !== undefined) this.#nextSeq = last.seq + 1;
    return whole;
  }
}

function join(parts: Commit[]): Commit {
  const [first] = parts;
  if (parts.length === 1 && first !== undefined) return first;
  return { txId: first?.txId ?? 0, continued: false, entries: parts.flatMap((p) => p.entries) };
}

import type { CommitSubscription } from '@cortex/client';
import type { Logger } from 'winston';
import type { CursorFile } from './cursor.js';
import { bridgeEvent, type Sink } from './event.js';

export interface BridgeDeps {
  /** Follows the ledger from `fromSeq` (the SDK's resuming subscription). */
  readonly subscribe: (fromSeq: number, signal: AbortSignal) => CommitSubscription;
  readonly sink: Sink;
  readonly cursor: CursorFile;
  /** Where to start when the cursor file does not exist yet. */
  readonly fromSeq: number;
  readonly logger: Logger;
}

/**
 * The bridge: each committed transaction, in ledger order, goes to the sink; only once the sink
 * has it does the cursor move past it. So whatever stops the bridge (a signal, a crash, kill -9)
 * a bridge started again from the cursor delivers everything after the last saved transaction:
 * at least once, in order, without a gap. Resolves when the signal aborts or the range ends;
 * rejects on what retrying cannot fix (the sink rejected an event, the server refused the
 * subscription).
 */
export async function runBridge(deps: BridgeDeps, signal: AbortSignal): Promise<void> {
  const start = (await deps.cursor.load()) ?? deps.fromSeq;
  deps.logger.info('bridge following the ledger', { fromSeq: start });
  const commits = deps.subscribe(start, signal);
  let delivered = 0;
  let saved = start;
  try {
    for await (const commit of commits) {
      await deps.sink.deliver(bridgeEvent(commit), signal);
      await deps.cursor.save(commits.nextSeq);
      saved = commits.nextSeq;
      delivered += 1;
    }
  } catch (error: unknown) {
    if (!signal.aborted) throw error;
  } finally {
    deps.logger.info('bridge stopped', { delivered, nextSeq: saved });
  }
}

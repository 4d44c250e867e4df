import { CortexError, ErrorReason } from '../errors.js';

/**
 * Whether the ledger may be extended. Until start-up verification passes, and for good once it
 * fails, nothing appends: every write (they all append ledger entries) is refused, maintenance
 * signs, seals and deletes nothing, and no sequence number is ever handed out twice. Reads go on.
 */
export type IntegrityState =
  | { readonly status: 'unverified' }
  | { readonly status: 'ok' }
  | { readonly status: 'failed'; readonly firstBadSeq: number; readonly reason: string };

export interface Integrity {
  readonly state: () => IntegrityState;
  readonly writable: () => boolean;
  /** Throws the error a write gets while the ledger may not be extended. */
  readonly guard: () => void;
  /** For the health check: throws the reason while the ledger may not be extended. */
  readonly check: () => void;
  readonly pass: () => void;
  readonly fail: (firstBadSeq: number, reason: string) => void;
}

export function createIntegrity(): Integrity {
  let state: IntegrityState = { status: 'unverified' };
  return {
    state: () => state,
    writable: () => state.status === 'ok',
    guard() {
      if (state.status === 'ok') return;
      if (state.status === 'unverified') {
        throw new CortexError('UNAVAILABLE', 'the ledger is being verified at start-up; retry shortly', { reason: ErrorReason.LEDGER_VERIFYING });
      }
      throw new CortexError(
        'FAILED_PRECONDITION',
        `the ledger failed its integrity check at seq ${state.firstBadSeq} (${state.reason}); writes are refused until an operator restores it`,
        {
          reason: ErrorReason.LEDGER_INTEGRITY_FAILED,
          metadata: { firstBadSeq: String(state.firstBadSeq), integrityReason: state.reason },
        },
      );
    },
    check() {
      if (state.status === 'unverified') throw new Error('ledger verification in progress');
      if (state.status === 'failed') throw new Error(`ledger failed verification at seq ${state.firstBadSeq}: ${state.reason}`);
    },
    pass() {
      state = { status: 'ok' };
    },
    fail(firstBadSeq, reason) {
      state = { status: 'failed', firstBadSeq, reason };
    },
  };
}

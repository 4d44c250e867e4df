import { Commit } from '@cortex/proto/cortex/v1/ledger_service';

/** One delivery: a committed transaction, as the bridge sends it. */
export interface BridgeEvent {
  readonly txId: number;
  /** The proto3 JSON of cortex.v1.Commit: `{"txId": 42, "entries": [{"seq": 101, ...}]}`. */
  readonly body: string;
}

export function bridgeEvent(commit: Commit): BridgeEvent {
  return { txId: commit.txId, body: JSON.stringify(Commit.toJSON(commit)) };
}

/** Where events go: a webhook or a stream of NDJSON. Resolves once the event is delivered. */
export interface Sink {
  deliver(event: BridgeEvent, signal: AbortSignal): Promise<void>;
}

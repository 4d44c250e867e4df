import { Counter, Gauge, type Registry } from 'prom-client';
import type { HubStats } from './subscribe/index.js';

/** Ledger and subscription metrics, read from the subsystem when Prometheus scrapes. */
export function registerLedgerMetrics(registry: Registry, read: { hub: () => HubStats; oldestLiveSeq: () => number }): void {
  const gauge = (name: string, help: string, value: () => number) =>
    new Gauge({
      name,
      help,
      registers: [registry],
      collect() {
        this.set(value());
      },
    });
  gauge('cortex_ledger_subscribers', 'Open Subscribe streams.', () => read.hub().subscribers);
  gauge('cortex_ledger_subscriber_buffered_entries_max', 'Most entries buffered for one subscriber right now.', () => read.hub().bufferedEntriesMax);
  gauge('cortex_ledger_subscriber_buffered_entries_peak', 'Most entries ever buffered for one subscriber.', () => read.hub().peakBufferedEntries);
  gauge('cortex_ledger_oldest_live_seq', 'Oldest ledger entry still in the live database.', read.oldestLiveSeq);
  let counted = 0;
  new Counter({
    name: 'cortex_ledger_subscriber_cutoffs_total',
    help: 'Subscribers ended with RESOURCE_EXHAUSTED for falling behind.',
    registers: [registry],
    collect() {
      const now = read.hub().cutOffs;
      this.inc(now - counted);
      counted = now;
    },
  });
}

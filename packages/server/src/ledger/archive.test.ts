import { expect } from 'chai';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { createHash } from 'node:crypto';
import { parseManifest, segmentFile } from './archive.js';
import type { LedgerEntry } from './chain.js';
import { openNote } from './note.js';
import { openTestLedger, type TestLedger } from './test-helpers.js';

async function readAll(t: TestLedger): Promise<LedgerEntry[]> {
  const out: LedgerEntry[] = [];
  for (const segment of t.segments.archived()) for await (const entry of t.archive.read(segment)) out.push(entry);
  return out;
}

/**
 * Rewrites one archived entry in place (decompress, edit, recompress); with fixChecksums the
 * record's checksum too, as far as an attacker without the key can: the manifest is signed.
 */
function editArchivedEntry(t: TestLedger, seq: number, edit: (e: Record<string, unknown>) => void, fixChecksums: boolean): void {
  const segment = t.segments.archived().find((s) => s.firstSeq <= seq && seq <= s.lastSeq);
  if (!segment) throw new Error(`no segment holds ${seq}`);
  const path = join(t.archive.dir, segmentFile(segment));
  const lines = gunzipSync(readFileSync(path)).toString('utf8').trimEnd().split('\n');
  const edited = lines.map((line) => {
    const entry = JSON.parse(line) as Record<string, unknown>;
    if (entry.seq === seq) edit(entry);
    return JSON.stringify(entry);
  });
  const bytes = gzipSync(`${edited.join('\n')}\n`);
  writeFileSync(path, bytes);
  if (fixChecksums) {
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    t.db.prepare('UPDATE ledger_segments SET sha256 = ? WHERE first_seq = ?').run(sha256, segment.firstSeq);
  }
}

describe('ledger segments and cold archive', () => {
  let t: TestLedger;
  let entries: LedgerEntry[];

  beforeEach(async () => {
    t = openTestLedger({ segmentEntries: 10, liveSegments: 1, checkpointEvery: 7 });
    entries = t.append(...Array.from({ length: 16 }, (_, i) => (i % 4) + 1)); // 40 entries
    await t.maintenance.runOnce();
  });
  afterEach(() => t.close());

  it('seals segments on transaction boundaries, archives them with a signed manifest and keeps only the newest live', async () => {
    const segments = t.segments.all();
    expect(segments.length).to.be.at.least(3);
    segments.forEach((s, i) => {
      expect(s.firstSeq).to.equal(i === 0 ? 1 : (segments[i - 1]?.lastSeq ?? 0) + 1);
      expect(s.lastSeq - s.firstSeq + 1).to.be.at.least(10);
      const next = entries[s.lastSeq]; // the entry after the segment
      if (next) expect(next.txId, `segment ${s.firstSeq}..${s.lastSeq} splits a transaction`).to.equal(next.seq);
    });
    const lastArchived = segments.at(-1);
    // Pruned: only the newest archived segment is still live; the unsealed tail always is.
    expect(t.ledger.oldestLiveSeq()).to.equal(lastArchived?.firstSeq);

    const archived = await readAll(t);
    expect(archived).to.deep.equal(entries.slice(0, lastArchived?.lastSeq));
    const first = segments[0]!;
    const note = await t.archive.readManifest(first);
    const opened = openNote(note ?? '', new Map([[t.signer.publicKey, 'test']]));
    if ('problem' in opened) throw new Error(opened.problem);
    expect(opened.keyId).to.equal('test');
    expect(parseManifest(opened.text)).to.deep.equal({
      firstSeq: 1,
      lastSeq: first.lastSeq,
      lastTime: first.lastTime,
      lastHash: entries[first.lastSeq - 1]?.hash,
      sha256: createHash('sha256').update(readFileSync(join(t.archive.dir, segmentFile(first)))).digest('hex'),
    });
  });

  it('verifies across archived segments, their live copies and the live tail', async () => {
    expect(await t.verify({})).to.deep.include({ ok: true, entriesChecked: 40, headSeq: 40 });
    expect(await t.verify({ fromSeq: 5, toSeq: 25 })).to.deep.include({ ok: true, fromSeq: 5, toSeq: 25 });
  });

  it('detects an edited archived entry at its seq, even with every checksum recomputed', async () => {
    editArchivedEntry(t, 4, (e) => (e.subject = 'rewritten'), false);
    expect(await t.verify({})).to.deep.include({ ok: false, firstBadSeq: 4, reason: 'hash mismatch' });
    editArchivedEntry(t, 4, (e) => (e.subject = 'rewritten again'), true);
    expect(await t.verify({})).to.deep.include({ ok: false, firstBadSeq: 4, reason: 'hash mismatch' });
  });

  it('detects an entry removed from an archived segment, and a corrupted or missing segment file', async () => {
    const first = t.segments.archived()[0];
    const second = t.segments.archived()[1];
    if (!first || !second) throw new Error('expected two segments');
    const path = join(t.archive.dir, segmentFile(first));
    const original = readFileSync(path);
    const lines = gunzipSync(original).toString('utf8').trimEnd().split('\n');
    writeFileSync(path, gzipSync(`${lines.filter((_, i) => i !== 2).join('\n')}\n`));
    expect(await t.verify({})).to.deep.include({ ok: false, firstBadSeq: 3, reason: 'missing entry' });

    const flipped = Buffer.from(original);
    const middle = Math.floor(flipped.length / 2);
    flipped[middle] = (flipped[middle]!) ^ 0xff;
    writeFileSync(path, flipped);
    const report = await t.verify({});
    expect(report.ok).to.equal(false);
    expect(report.firstBadSeq).to.be.within(first.firstSeq, first.lastSeq);

    writeFileSync(path, original);
    rmSync(join(t.archive.dir, segmentFile(second)));
    expect(await t.verify({})).to.deep.include({ ok: false, firstBadSeq: second.firstSeq, reason: 'archive segment missing' });
  });

  it('detects a broken link between two archived segments', async () => {
    const second = t.segments.archived()[1];
    if (!second) throw new Error('expected two segments');
    editArchivedEntry(t, second.firstSeq, (e) => (e.prevHash = 'f'.repeat(64)), true);
    expect(await t.verify({})).to.deep.include({ ok: false, firstBadSeq: second.firstSeq, reason: 'broken link to previous entry' });
  });

  it('detects a live copy of an archived segment that differs from the archive', async () => {
    const live = t.segments.archived().find((s) => s.lastSeq >= t.ledger.oldestLiveSeq());
    if (!live) throw new Error('expected a live archived segment');
    t.db.prepare("UPDATE ledger SET subject = 'changed' WHERE seq = ?").run(live.firstSeq + 1);
    expect(await t.verify({})).to.deep.include({ ok: false, firstBadSeq: live.firstSeq + 1, reason: 'hash mismatch' });
  });
});

describe('ledger archive retention and age-based sealing', () => {
  it('seals a small segment once its oldest entry is old enough', async () => {
    let now = 1_000_000;
    const t = openTestLedger({ segmentEntries: 1000, segmentMaxAgeMs: 60_000 }, () => now);
    try {
      t.append(2, 3);
      await t.maintenance.runOnce();
      expect(t.segments.all()).to.have.length(0);
      now += 60_000;
      await t.maintenance.runOnce();
      expect(t.segments.all().map((s) => [s.firstSeq, s.lastSeq])).to.deep.equal([[1, 5]]);
    } finally {
      t.close();
    }
  });

  it('expires archived segments past retention, recording each in the ledger; verification then starts after them, anchored to the expired hash', async () => {
    let now = 1_000_000;
    const t = openTestLedger({ segmentEntries: 5, liveSegments: 0, archiveRetentionMs: 10_000 }, () => now);
    try {
      t.append(5, 5);
      now += 20_000;
      t.append(5);
      await t.maintenance.runOnce();
      const all = t.segments.all();
      expect(all.map((s) => s.expired)).to.deep.equal([true, true, false]);
      const records = t.ledger.entries(16, 17, 10);
      expect(records.map((e) => [e.action, e.actor, JSON.parse(e.payload) as unknown])).to.deep.equal([
        ['ledger.segments.expired', 'system:ledger', { throughSeq: 5, lastHash: all[0]?.lastHash }],
        ['ledger.segments.expired', 'system:ledger', { throughSeq: 10, lastHash: all[1]?.lastHash }],
      ]);
      expect(await t.verify({})).to.deep.include({ ok: true, fromSeq: 11, toSeq: 17, entriesChecked: 7 });
      const error = await t.verify({ fromSeq: 3 }).catch((e: unknown) => e);
      expect(error).to.have.property('kind', 'OUT_OF_RANGE');
      // The first retained entry must still link to the expired segment's last hash.
      editArchivedEntry(t, 11, (e) => (e.prevHash = '1'.repeat(64)), true);
      expect(await t.verify({})).to.deep.include({ ok: false, firstBadSeq: 11, reason: 'broken link to previous entry' });
    } finally {
      t.close();
    }
  });
});

import { expect } from 'chai';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, before, beforeEach, describe, it } from 'mocha';
import { CortexClient, type LedgerEntry } from '@cortex/client';
import { startServer, type CortexProcess } from '../../client-ts/test/server.js';
import { verifySignature } from '../src/index.js';
import { BridgeProcess } from './bridge-process.js';
import { Receiver } from './receiver.js';

const SECRET = 'bridge-test-secret-0123456789abcdef';

interface CommitJson {
  readonly txId: number;
  readonly entries: Array<{ readonly seq: number; readonly subject?: string }>;
}

describe('cortex bridge against a real server and a receiver that fails on purpose', function () {
  let server: CortexProcess;
  let cortex: CortexClient;
  let receiver: Receiver;
  let workDir: string;
  const bridges: BridgeProcess[] = [];

  before(async () => {
    server = await startServer();
    cortex = new CortexClient({ address: server.address, defaultDeadlineMs: 10_000 });
  });
  after(async () => {
    cortex.close();
    await server.stop();
  });
  beforeEach(async () => {
    receiver = await Receiver.start();
    workDir = mkdtempSync(join(tmpdir(), 'cortex-bridge-'));
  });
  afterEach(async () => {
    await Promise.all(bridges.splice(0).map((b) => b.kill()));
    await receiver.close();
    rmSync(workDir, { recursive: true, force: true });
  });

  const cursorPath = () => join(workDir, 'cursor.json');
  const savedCursor = () => (JSON.parse(readFileSync(cursorPath(), 'utf8')) as { nextSeq: number }).nextSeq;

  /** A bridge to the receiver for one namespace; fast retries unless the test says otherwise. */
  const webhookBridge = (namespace: string, extra: string[] = []) => {
    const bridge = new BridgeProcess(
      [
        ...['--address', server.address, '--namespace', namespace, '--webhook', receiver.url, '--cursor', cursorPath()],
        ...['--timeout-ms', '1000', '--initial-backoff-ms', '20', '--max-backoff-ms', '200', '--breaker-failures', '20'],
        ...extra,
      ],
      { CORTEX_BRIDGE_SECRET: SECRET },
    );
    bridges.push(bridge);
    return bridge;
  };

  /** Appends one transaction of one entry per subject to the namespace; returns their entries. */
  const record = async (namespace: string, subjects: string[]): Promise<LedgerEntry[]> => {
    const entries = [];
    for (const subject of subjects) entries.push((await cortex.record({ namespace, actor: 'tester', action: 'test.bridged', subject })).entry!);
    return entries;
  };

  it('delivers every transaction in order, signed, through 5xx, timeouts and a slow receiver', async () => {
    await record('ordered', ['e1', 'e2', 'e3']);
    await cortex.remember({ namespace: 'ordered', memories: [{ id: 'm1', content: 'one' }, { id: 'm2', content: 'two' }] });
    const last = await record('ordered', ['e4', 'e5']);
    const ledger = [];
    for await (const entry of cortex.getAllEntries({})) if (entry.namespace === 'ordered') ledger.push(entry);
    const txIds = [...new Set(ledger.map((e) => e.txId))];
    expect(txIds).to.have.length(6);
    receiver.script = ['fail', 'hang', 'unavailable', 'slow', 'fail', 'accept', 'fail', 'fail', 'slow', 'accept'];
    const bridge = webhookBridge('ordered');

    await receiver.until((r) => r.accepted().length === 6);
    expect(await bridge.stop()).to.equal(0);

    expect(receiver.accepted()).to.deep.equal(txIds);
    const rememberTx = receiver.deliveries.find((d) => d.txId === txIds[3])!;
    expect((JSON.parse(rememberTx.body) as CommitJson).entries.map((e) => e.subject)).to.deep.equal(['m1', 'm2']);
    expect(receiver.deliveries.length).to.be.greaterThan(6); // The failures were retried.
    for (const delivery of receiver.deliveries) {
      const verdict = verifySignature({ secrets: [SECRET], header: delivery.headers['x-cortex-signature'] as string, body: delivery.body });
      expect(verdict, `delivery of tx ${delivery.txId}`).to.deep.equal({ ok: true });
      expect(delivery.headers['idempotency-key']).to.equal(String(delivery.txId));
      expect(delivery.headers['content-type']).to.equal('application/json');
    }
    const tampered = receiver.deliveries[0]!;
    expect(verifySignature({ secrets: [SECRET], header: tampered.headers['x-cortex-signature'] as string, body: tampered.body.replace('e1', 'e9') }).ok).to.equal(false);
    expect(bridge.logged('delivery failed; retrying').map((l) => l.reason)).to.include.members([
      'HTTP 500 Internal Server Error',
      'no answer within 1000 ms',
      'HTTP 503 Service Unavailable',
    ]);
    expect(savedCursor()).to.equal(last.at(-1)!.seq + 1);
  });

  it('resumes from its cursor after kill -9: the transaction in flight again, nothing before it, no gap', async () => {
    const before = await record('restart', ['r1', 'r2', 'r3']);
    let bridge = webhookBridge('restart');
    await receiver.until((r) => r.accepted().length === 3);

    receiver.fallback = 'hang';
    const [inFlight] = await record('restart', ['r4']);
    await receiver.until((r) => r.deliveries.some((d) => d.txId === inFlight!.txId));
    await bridge.kill();
    expect(savedCursor()).to.be.above(before.at(-1)!.seq).and.at.most(inFlight!.seq); // r4 was never acknowledged.
    const [whileDown] = await record('restart', ['r5']);

    receiver.fallback = 'accept';
    const seenBeforeRestart = receiver.deliveries.length;
    bridge = webhookBridge('restart');
    await receiver.until((r) => r.accepted().includes(whileDown!.txId));
    expect(await bridge.stop()).to.equal(0);

    const afterRestart = receiver.deliveries.slice(seenBeforeRestart).map((d) => d.txId);
    expect(afterRestart).to.deep.equal([inFlight!.txId, whileDown!.txId]);
    expect(receiver.accepted()).to.deep.equal([...before, inFlight!, whileDown!].map((e) => e.txId));
    expect(savedCursor()).to.equal(whileDown!.seq + 1);
  });

  it('opens the circuit after failures in a row and closes it once the receiver recovers', async () => {
    const written = await record('breaker', ['b1', 'b2']);
    receiver.fallback = 'fail';
    const bridge = webhookBridge('breaker', ['--breaker-failures', '3', '--breaker-cooldown-ms', '300', '--max-backoff-ms', '50']);

    await bridge.untilLogged('circuit opened');
    expect(receiver.deliveries.length).to.be.at.least(3);
    // While open, attempts fail at once without reaching the receiver.
    await bridge.untilLogged('delivery failed; retrying', (line) => line.reason === 'circuit open');
    receiver.fallback = 'accept';
    await bridge.untilLogged('circuit closed');
    await receiver.until((r) => r.accepted().length === 2);
    expect(await bridge.stop()).to.equal(0);

    const attempts = bridge.logged('delivery failed; retrying').length + 2;
    expect(receiver.deliveries.length).to.be.below(attempts);
    expect(receiver.accepted()).to.deep.equal(written.map((e) => e.txId));
  });

  it('stops with status 1 when the receiver rejects a transaction for good, keeping it for the next run', async () => {
    const [rejected] = await record('rejected', ['x1']);
    receiver.fallback = 'reject';
    const bridge = webhookBridge('rejected');
    expect(await bridge.exited).to.equal(1);
    expect(bridge.logged('bridge failed')[0]?.error).to.equal(`the webhook rejected transaction ${rejected!.txId}: HTTP 400 Bad Request`);
    expect(receiver.deliveries).to.have.length(1);
    expect(existsSync(cursorPath())).to.equal(false);
  });

  it('writes NDJSON to stdout through `cortex bridge`, and ends at --to-seq', async () => {
    const written = await record('ndjson', ['n1', 'n2', 'n3']);
    const bridge = new BridgeProcess(
      ['--address', server.address, '--namespace', 'ndjson', '--stdout', '--to-seq', String(written[2]!.seq), '--cursor', cursorPath()],
      {},
      { viaCortexCli: true },
    );
    bridges.push(bridge);
    expect(await bridge.exited).to.equal(0);
    const lines = bridge.stdout.map((line) => JSON.parse(line) as CommitJson);
    expect(lines.map((c) => c.txId)).to.deep.equal(written.map((e) => e.txId));
    expect(lines.map((c) => c.entries[0]!.subject)).to.deep.equal(['n1', 'n2', 'n3']);
    expect(savedCursor()).to.equal(written[2]!.seq + 1);
  });
});

import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, it } from 'mocha';
import { CortexClient, type Commit } from '../src/index.js';
import { freePort, startServer, withRealServer, type CortexProcess } from './server.js';

const subjects = (commits: Commit[]) => commits.flatMap((c) => c.entries.map((e) => e.subject));

describe('CortexClient against a real server: ledger', function () {
  const client = withRealServer();

  it('reads every entry of a range through getAllEntries, page by page, in seq order', async () => {
    const recorded = [];
    for (let i = 0; i < 5; i += 1) {
      recorded.push((await client().record({ namespace: 'pages', actor: 'tester', action: 'test.paged', subject: `s${i}` })).entry!);
    }
    const entries = [];
    const range = { fromSeq: recorded[0]!.seq, toSeq: recorded[4]!.seq, pageSize: 2 };
    for await (const entry of client().getAllEntries(range)) entries.push(entry);
    expect(entries.map((e) => e.subject)).to.deep.equal(['s0', 's1', 's2', 's3', 's4']);
    expect(entries.map((e) => e.seq)).to.deep.equal(recorded.map((e) => e.seq));
  });

  it('ends subscribeCommits at toSeq with every transaction whole', async () => {
    const remembered = await client().remember({
      namespace: 'commits',
      memories: [{ id: 'c1', content: 'first' }, { id: 'c2', content: 'second' }],
    });
    const last = await client().record({ namespace: 'commits', actor: 'tester', action: 'test.last', subject: 'end' });
    const commits: Commit[] = [];
    for await (const commit of client().subscribeCommits({ namespace: 'commits', toSeq: last.entry!.seq })) commits.push(commit);
    expect(commits).to.have.length(2);
    expect(commits[0]!.entries.map((e) => e.action)).to.deep.equal(['memory.created', 'memory.created']);
    expect(commits[0]!.entries.at(-1)!.seq).to.equal(remembered.ledgerSeq);
    expect(subjects(commits.slice(1))).to.deep.equal(['end']);
  });
});

describe('CortexClient.subscribeCommits across a server restart', function () {
  let server: CortexProcess | undefined;
  const clients: CortexClient[] = [];
  let dataDir: string | undefined;
  afterEach(async () => {
    clients.forEach((c) => c.close());
    await server?.stop();
    if (dataDir !== undefined) rmSync(dataDir, { recursive: true, force: true });
  });

  /**
   * A new client of the running server. Its own subchannels: a shared one may still be backing
   * off from the server that went away, and Record, never retried, would fail on it.
   */
  const connect = () => {
    const client = new CortexClient({
      address: server!.address,
      defaultDeadlineMs: 10_000,
      retry: { initialBackoffMs: 50, maxBackoffMs: 500 },
      channelOptions: { 'grpc.use_local_subchannel_pool': 1 },
    });
    clients.push(client);
    return client;
  };
  const record = (client: CortexClient, subject: string) =>
    client.record({ namespace: 'restart', actor: 'tester', action: 'test.restart', subject });

  it('delivers every transaction once, in order, resuming where the old server left off', async () => {
    const port = await freePort();
    dataDir = mkdtempSync(join(tmpdir(), 'cortex-client-restart-'));
    server = await startServer({ port, dataDir });
    const follower = connect();
    for (const subject of ['b0', 'b1', 'b2']) await record(follower, subject);

    const stop = new AbortController();
    const subscription = follower.subscribeCommits({ fromSeq: 1, namespace: 'restart' }, { signal: stop.signal });
    const commits = subscription[Symbol.asyncIterator]();
    const received: Commit[] = [];
    const take = async (count: number) => {
      for (let i = 0; i < count; i += 1) {
        const next = await commits.next();
        if (next.done) throw new Error('the subscription ended');
        received.push(next.value);
      }
    };
    await take(3);

    await server.stop();
    server = await startServer({ port, dataDir });
    const writer = connect();
    for (const subject of ['a0', 'a1', 'a2']) await record(writer, subject);
    await take(3);
    stop.abort();
    await commits.return?.();

    expect(subjects(received)).to.deep.equal(['b0', 'b1', 'b2', 'a0', 'a1', 'a2']);
    const seqs = received.flatMap((c) => c.entries.map((e) => e.seq));
    expect(seqs).to.deep.equal([...seqs].sort((a, b) => a - b));
    expect(subscription.nextSeq).to.equal(seqs.at(-1)! + 1);
  });
});

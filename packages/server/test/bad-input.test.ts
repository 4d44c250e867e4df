import { expect } from 'chai';
import { create, ScalarType, type DescField, type DescMessage } from '@bufbuild/protobuf';
import { status as GrpcStatus } from '@grpc/grpc-js';
import type { MemoryInput } from '@cortex/proto/cortex/v1/memory_service';
import { call, callError, errorDetails, startTestServer, type TestServer } from './harness.js';
import { codeName, encode, findMethod, METHODS, methodPath, RawClient } from './raw-grpc.js';

/**
 * Inputs no typed client sends, and some it does, each answered with INVALID_ARGUMENT naming the
 * field; never INTERNAL. The requests are enumerated from the descriptor set, so a field added to
 * the API is covered without touching this file.
 */
describe('bad input', () => {
  let server: TestServer;
  let raw: RawClient;
  before(async () => {
    server = await startTestServer();
    raw = new RawClient(server.address);
  });
  after(async () => {
    raw.close();
    await server.stop();
  });

  const memory = (overrides: Partial<MemoryInput>): MemoryInput => ({
    id: '', agentId: '', content: 'a note', kind: '', tags: [], metadata: {}, importance: undefined, expiresAt: undefined, pinned: false,
    threadId: '', occurredAt: undefined, embedding: [], ...overrides,
  });

  it('answers an int64 beyond 2^53 with INVALID_ARGUMENT naming the field, in every request that has one', async () => {
    const cases = METHODS.flatMap((method) =>
      method.input.fields.filter((f) => f.fieldKind === 'scalar' && f.scalar === ScalarType.INT64).map((field) => ({ method, field })),
    );
    expect(cases.map((c) => `${c.method.name}.${c.field.name}`)).to.include.members(['GetEntries.from_seq', 'Verify.to_seq', 'Subscribe.from_seq', 'PutState.expected_version']);
    for (const { method, field } of cases) {
      const outcome = await raw.call(method, encode(method.input, { [field.localName]: 2n ** 53n + 1n }));
      expect([method.name, codeName(outcome.code)]).to.deep.equal([method.name, 'INVALID_ARGUMENT']);
      expect(outcome.fieldViolations.map((v) => v.field)).to.include(field.name);
    }
  });

  it('answers malformed bytes with INVALID_ARGUMENT and reason MALFORMED_REQUEST on every RPC', async () => {
    const garbage = [Buffer.from([0x07]), Buffer.from([0x0a, 0xff]), Buffer.from([0x12, 0x05, 0x0a])];
    for (const method of METHODS) {
      for (const bytes of garbage) {
        const outcome = await raw.call(method, bytes);
        expect([methodPath(method), codeName(outcome.code), outcome.reason]).to.deep.equal([methodPath(method), 'INVALID_ARGUMENT', 'MALFORMED_REQUEST']);
      }
    }
  });

  it('bounds every repeated field and map of every request at the number its proto comment documents', async () => {
    const bounded = METHODS.filter((m) => m.parent.typeName.startsWith('cortex.')).flatMap((method) => collectionPaths(method.input).map((path) => ({ method, path })));
    expect(bounded.length).to.be.greaterThan(15);
    for (const { method, path } of bounded) {
      const field = path.at(-1)!;
      const bound = documentedBound(field);
      expect(bound, `${method.name} ${pathName(path)} documents "at most N items|entries"`).to.be.a('number');
      const fieldsAt = async (count: number) =>
        (await raw.call(method, encode(method.input, initWith(path, count)))).fieldViolations.map((v) => v.field);
      expect(await fieldsAt(bound! + 1), `${method.name} ${pathName(path)} over ${bound}`).to.include(pathName(path));
      expect(await fieldsAt(bound!), `${method.name} ${pathName(path)} at ${bound}`).not.to.include(pathName(path));
    }
  });

  it('rejects timestamps outside years 1 to 9999 or with nanos outside 0..999999999, in every request field that holds one', async () => {
    const stamped = METHODS.flatMap((method) => timestampPaths(method.input).map((path) => ({ method, path })));
    expect(stamped.map((s) => `${s.method.name} ${pathName(s.path)}`)).to.include.members([
      'Remember memories[0].expires_at', 'Recall filter.created_after', 'RunMaintenance as_of', 'BuildContext history[0].at',
    ]);
    const outOfRange = [
      { seconds: 253_402_300_800n },
      { seconds: -62_135_596_801n },
      { seconds: 4_102_444_800n, nanos: -1 },
      { seconds: 0n, nanos: 1_000_000_000 },
    ];
    for (const { method, path } of stamped) {
      for (const value of outOfRange) {
        const outcome = await raw.call(method, encode(method.input, initWith(path, 1, value)));
        expect([pathName(path), codeName(outcome.code)]).to.deep.equal([pathName(path), 'INVALID_ARGUMENT']);
        expect(outcome.fieldViolations.map((v) => v.field)).to.include(pathName(path));
      }
    }
  });

  it('rejects an expires_at in the past', async () => {
    const error = await callError(server.memory.remember.bind(server.memory), { namespace: 'ns', memories: [memory({ expiresAt: new Date(Date.now() - 1000) })] });
    expect(errorDetails(error).fieldViolations).to.deep.equal([{ field: 'memories[0].expires_at', description: 'must be in the future' }]);
  });

  it('refuses "__proto__" as a key of metadata, filter metadata, state and delete_keys, naming the key', async () => {
    const proto = JSON.parse('{"__proto__": "x"}') as Record<string, string>;
    const reserved = 'is a reserved key ("__proto__" cannot be stored)';
    const cases = [
      callError(server.memory.remember.bind(server.memory), { namespace: 'ns', memories: [memory({ metadata: proto })] }),
      callError(server.memory.listMemories.bind(server.memory), {
        namespace: 'ns', pageSize: 0, pageToken: '',
        filter: { agentId: '', kinds: [], tags: [], tiers: [], metadata: proto, createdAfter: undefined, createdBefore: undefined, threadIds: [], occurredAfter: undefined, occurredBefore: undefined },
      }),
      callError(server.agent.putState.bind(server.agent), { namespace: 'ns', agentId: 'a', set: proto, deleteKeys: [], replace: false, expectedVersion: undefined }),
      callError(server.agent.putState.bind(server.agent), { namespace: 'ns', agentId: 'a', set: {}, deleteKeys: ['__proto__'], replace: false, expectedVersion: undefined }),
    ];
    const violations = (await Promise.all(cases)).map((e) => errorDetails(e).fieldViolations);
    expect(violations).to.deep.equal([
      [{ field: 'memories[0].metadata["__proto__"]', description: reserved }],
      [{ field: 'filter.metadata["__proto__"]', description: reserved }],
      [{ field: 'set["__proto__"]', description: reserved }],
      [{ field: 'delete_keys[0]', description: reserved }],
    ]);
  });

  it('stores "constructor" and "prototype" like any other key of metadata and state, and filters by them', async () => {
    const keys = { constructor: 'c', prototype: 'p' };
    const stored = await call(server.memory.remember.bind(server.memory), { namespace: 'keys', memories: [memory({ id: 'k1', metadata: keys })] });
    expect(stored.results[0]?.memory?.metadata).to.deep.equal(keys);
    const listed = await call(server.memory.listMemories.bind(server.memory), {
      namespace: 'keys', pageSize: 0, pageToken: '',
      filter: { agentId: '', kinds: [], tags: [], tiers: [], metadata: { constructor: 'c' }, createdAfter: undefined, createdBefore: undefined, threadIds: [], occurredAfter: undefined, occurredBefore: undefined },
    });
    expect(listed.memories.map((m) => m.id)).to.deep.equal(['k1']);
    const put = (set: Record<string, string>, deleteKeys: string[]) =>
      call(server.agent.putState.bind(server.agent), { namespace: 'keys', agentId: 'a', set, deleteKeys, replace: false, expectedVersion: undefined });
    expect((await put(keys, [])).state).to.deep.equal(keys);
    expect((await put({}, ['constructor'])).state).to.deep.equal({ prototype: 'p' });
  });

  it('refuses content and queries that hold only white space, NUL or zero-width characters', async () => {
    const blank = ' \u200B\u0000\uFEFF\n';
    const rule = 'must contain a visible character, not only white space, control or zero-width characters';
    const remembered = await callError(server.memory.remember.bind(server.memory), { namespace: 'ns', memories: [memory({ content: blank })] });
    const recalled = await callError(server.memory.recall.bind(server.memory), { namespace: 'ns', query: blank, topK: 0, mode: 0, filter: undefined, minScore: 0 });
    const built = await callError(server.context.buildContext.bind(server.context), {
      namespace: 'ns', agentId: '', query: blank, tokenBudget: 100, model: 'gpt-4o', reserveTokens: 0, compression: 0, history: [],
      candidateCount: 0, minRelevance: 0, dedupeThreshold: 0, filter: undefined, disableRelevanceFloor: false,
    });
    expect([remembered, recalled, built].map((e) => errorDetails(e).fieldViolations)).to.deep.equal([
      [{ field: 'memories[0].content', description: rule }],
      [{ field: 'query', description: rule }],
      [{ field: 'query', description: rule }],
    ]);
  });

  it('keeps an error small enough for any client: the first 20 violations, a count of the rest, long paths cut', async () => {
    const many = await callError(server.memory.remember.bind(server.memory), {
      namespace: 'ns',
      memories: Array.from({ length: 500 }, () => memory({ content: '', tags: Array.from({ length: 32 }, () => '') })),
    });
    expect(many.code).to.equal(GrpcStatus.INVALID_ARGUMENT);
    expect(errorDetails(many).fieldViolations).to.have.length(20);
    expect(errorDetails(many).metadata.omittedViolations).to.equal(String(500 * 33 - 20));
    const longKey = 'k'.repeat(60_000);
    const long = await callError(server.memory.remember.bind(server.memory), { namespace: 'ns', memories: [memory({ metadata: { [longKey]: 'v' } })] });
    const [violation] = errorDetails(long).fieldViolations;
    expect(violation?.field).to.match(/^memories\[0\]\.metadata\["k+…$/);
    expect(Buffer.byteLength(violation?.field ?? '')).to.be.at.most(200);
  });

  it('stays healthy and verifiable after all of it', async () => {
    const outcome = await raw.call(findMethod('/cortex.v1.LedgerService/Verify'), Buffer.alloc(0));
    expect(codeName(outcome.code)).to.equal('OK');
    const verified = await call(server.ledger.verify.bind(server.ledger), { fromSeq: 0, toSeq: 0 });
    expect(verified.ok).to.equal(true);
  });
});

/** Paths (from the request down) to every repeated field and map, through singular and repeated messages. */
function collectionPaths(message: DescMessage, prefix: readonly DescField[] = []): DescField[][] {
  return message.fields.flatMap((field) => {
    const path = [...prefix, field];
    const own = field.fieldKind === 'list' || field.fieldKind === 'map' ? [path] : [];
    const nested = field.message && field.fieldKind !== 'map' && !isTimestamp(field.message) ? collectionPaths(field.message, path) : [];
    return [...own, ...nested];
  });
}

function timestampPaths(message: DescMessage, prefix: readonly DescField[] = []): DescField[][] {
  return message.fields.flatMap((field) => {
    if (field.message === undefined || field.fieldKind === 'map') return [];
    const path = [...prefix, field];
    return isTimestamp(field.message) ? [path] : timestampPaths(field.message, path);
  });
}

function isTimestamp(message: DescMessage): boolean {
  return message.typeName === 'google.protobuf.Timestamp';
}

/** The path as field violations name it: `memories[0].tags`, `filter.metadata`. */
function pathName(path: readonly DescField[]): string {
  return path.map((f, i) => (i < path.length - 1 && f.fieldKind === 'list' ? `${f.name}[0]` : f.name)).join('.');
}

/**
 * A request whose last field on the path holds `count` items (or `leaf`, for a singular field);
 * repeated messages on the way hold one element. Items are valid where that is easy (ids, keys).
 */
function initWith(path: readonly DescField[], count: number, leaf?: unknown): Record<string, unknown> {
  const [field, ...rest] = path;
  if (field === undefined) throw new Error('empty path');
  if (rest.length > 0) {
    const inner = initWith(rest, count, leaf);
    return { [field.localName]: field.fieldKind === 'list' ? [inner] : inner };
  }
  const items = Array.from({ length: count }, (_, i) => i);
  switch (field.fieldKind) {
    case 'map':
      return { [field.localName]: Object.fromEntries(items.map((i) => [`k${i}`, 'v'])) };
    case 'list':
      return { [field.localName]: items.map((i) => listItem(field, i)) };
    default:
      return { [field.localName]: leaf };
  }
}

/** "at most N items" (lists) or "at most N entries" (maps) in the field's leading proto comment. */
/** A valid item of a list field: a string, a (non-zero) number, an enum value or an empty message. */
function listItem(field: DescField, i: number): unknown {
  if (field.fieldKind !== 'list') throw new Error(`${field.name} is not a list`);
  if (field.listKind === 'scalar') return field.scalar === ScalarType.STRING ? `x${i}` : 1;
  return field.listKind === 'enum' ? 1 : create(field.message);
}

function documentedBound(field: DescField): number | undefined {
  const match = /at most ([\d,]+) (?:items|entries)/.exec(leadingComment(field).replace(/\s+/g, ' '));
  return match?.[1] === undefined ? undefined : Number(match[1].replace(/,/g, ''));
}

function leadingComment(field: DescField): string {
  const path = [...messagePath(field.parent), 2, field.parent.proto.field.indexOf(field.proto)];
  const samePath = (other: readonly number[]) => other.length === path.length && other.every((p, i) => p === path[i]);
  const location = field.parent.file.proto.sourceCodeInfo?.location.find((l) => samePath(l.path));
  return location?.leadingComments ?? '';
}

/** SourceCodeInfo path of a message: message_type = 4, nested_type = 3. */
function messagePath(message: DescMessage): number[] {
  const parent = message.parent;
  if (parent === undefined) return [4, message.file.proto.messageType.indexOf(message.proto)];
  return [...messagePath(parent), 3, parent.proto.nestedType.indexOf(message.proto)];
}

import { expect } from 'chai';
import { create, toBinary, type DescMessage, type MessageInitShape } from '@bufbuild/protobuf';
import { BinaryWriter, WireType } from '@bufbuild/protobuf/wire';
import { timestampFromMs } from '@bufbuild/protobuf/wkt';
import { loadDescriptors } from './descriptors.js';
import { checkWire } from './wire-check.js';

const { registry } = loadDescriptors();
const schema = (name: string): DescMessage => {
  const found = registry.getMessage(`cortex.v1.${name}`);
  if (found === undefined) throw new Error(`no message ${name}`);
  return found;
};
const REMEMBER = schema('RememberRequest');
const GET_ENTRIES = schema('GetEntriesRequest');
const LIST = schema('ListMemoriesRequest');

const encode = <Desc extends DescMessage>(desc: Desc, init: MessageInitShape<Desc>) => toBinary(desc, create(desc, init));
const fields = (bytes: Uint8Array, desc: DescMessage) => checkWire(desc, bytes).map((p) => p.field);

describe('wire check', () => {
  it('finds nothing wrong in valid requests of every shape: nested, repeated, packed, maps, timestamps', () => {
    const remember = encode(REMEMBER, {
      namespace: 'ns',
      memories: [
        { content: 'a', tags: ['x', 'y'], metadata: { k: 'v', constructor: 'c' }, expiresAt: timestampFromMs(Date.UTC(2100, 0, 1)) },
        { content: 'b', importance: 0.5 },
      ],
    });
    const list = encode(LIST, { namespace: 'ns', pageSize: -1, filter: { tiers: [1, 2, 3], createdAfter: { seconds: -62_135_596_800n, nanos: 0 } } });
    const entries = encode(GET_ENTRIES, { fromSeq: BigInt(Number.MAX_SAFE_INTEGER), toSeq: 0n });
    expect(checkWire(REMEMBER, remember)).to.deep.equal([]);
    expect(checkWire(LIST, list)).to.deep.equal([]);
    expect(checkWire(GET_ENTRIES, entries)).to.deep.equal([]);
  });

  it('names every int64 beyond ±(2^53 - 1), which the generated decoder cannot turn into a number', () => {
    const bytes = encode(GET_ENTRIES, { fromSeq: 2n ** 53n + 1n, toSeq: -(2n ** 53n) });
    expect(checkWire(GET_ENTRIES, bytes)).to.deep.equal([
      { field: 'from_seq', description: 'must be between -9007199254740991 and 9007199254740991 (got 9007199254740993)', malformed: false },
      { field: 'to_seq', description: 'must be between -9007199254740991 and 9007199254740991 (got -9007199254740992)', malformed: false },
    ]);
  });

  it('names an int32 sent wider than 32 bits, which the decoder would truncate', () => {
    const bytes = new BinaryWriter().tag(3, WireType.Varint).uint64(2n ** 32n + 5n).finish();
    expect(fields(bytes, GET_ENTRIES)).to.deep.equal(['page_size']);
  });

  it('names timestamps outside years 1-9999 or with nanos outside 0..999999999, at their path', () => {
    const bytes = encode(REMEMBER, {
      namespace: 'ns',
      memories: [
        { content: 'fine', expiresAt: { seconds: 253_402_300_799n, nanos: 999_999_999 } },
        { content: 'year 10000', expiresAt: { seconds: 253_402_300_800n } },
        { content: 'negative nanos', expiresAt: { seconds: 4_102_444_800n, nanos: -1 } },
        { content: 'a second of nanos', expiresAt: { seconds: 4_102_444_800n, nanos: 1_000_000_000 } },
        { content: 'before year 1', expiresAt: { seconds: -62_135_596_801n } },
      ],
    });
    expect(fields(bytes, REMEMBER)).to.deep.equal(['memories[1].expires_at', 'memories[2].expires_at', 'memories[3].expires_at', 'memories[4].expires_at']);
  });

  it('refuses the map key __proto__, which a plain object cannot hold, naming the key', () => {
    const entry = (key: string) => new BinaryWriter().tag(1, WireType.LengthDelimited).string(key).tag(2, WireType.LengthDelimited).string('v').finish();
    const memory = new BinaryWriter().tag(3, WireType.LengthDelimited).string('content');
    for (const key of ['__proto__', 'constructor', 'prototype']) memory.tag(6, WireType.LengthDelimited).bytes(entry(key));
    const bytes = new BinaryWriter().tag(2, WireType.LengthDelimited).bytes(memory.finish()).finish();
    expect(checkWire(REMEMBER, bytes)).to.deep.equal([
      { field: 'memories[0].metadata["__proto__"]', description: 'is a reserved key ("__proto__" cannot be stored)', malformed: false },
    ]);
  });

  it('reports a broken encoding at the deepest field it reached, or at no field when the framing itself breaks', () => {
    const valid = encode(REMEMBER, { namespace: 'ns', memories: [{ content: 'hello world' }] });
    const truncated = valid.subarray(0, valid.length - 3);
    expect(checkWire(REMEMBER, truncated)).to.deep.equal([{ field: 'memories[0]', description: 'is not a valid encoding (premature EOF)', malformed: true }]);
    const inner = new BinaryWriter().tag(3, WireType.LengthDelimited).string('content').finish();
    const overrun = Uint8Array.from([0x12, 2, ...inner]); // memories[0] says 2 bytes, its content field says more
    expect(checkWire(REMEMBER, overrun)).to.deep.equal([
      { field: 'memories[0]', description: 'is not a valid encoding (a field runs past the end of its message)', malformed: true },
    ]);
    const badTag = Uint8Array.from([0x07]); // field 0, wire type 7
    expect(checkWire(REMEMBER, badTag)).to.deep.equal([
      { field: undefined, description: 'is not a valid encoding (illegal tag: field no 0 wire type 7)', malformed: true },
    ]);
  });

  it('skips unknown fields and known fields sent with another wire type, as the generated decoder does', () => {
    const bytes = new BinaryWriter()
      .tag(99, WireType.LengthDelimited).string('from a newer client')
      .tag(1, WireType.LengthDelimited).string('from_seq with the wrong wire type')
      .tag(2, WireType.Varint).int64(7)
      .finish();
    expect(checkWire(GET_ENTRIES, bytes)).to.deep.equal([]);
  });

  it('refuses unknown groups nested past the recursion limit instead of overflowing the stack', () => {
    const depth = 10_000;
    const open = new BinaryWriter();
    for (let i = 0; i < depth; i += 1) open.tag(99, WireType.StartGroup);
    for (let i = 0; i < depth; i += 1) open.tag(99, WireType.EndGroup);
    const [problem] = checkWire(GET_ENTRIES, open.finish());
    expect(problem?.malformed).to.equal(true);
  });
});

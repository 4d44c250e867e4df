import fc from 'fast-check';
import { create, ScalarType, toBinary, type DescField, type DescMessage, type DescMethod } from '@bufbuild/protobuf';

/**
 * Requests for any RPC, generated from its descriptor: every field of every message, with values
 * drawn half from what a real client sends (so calls get past validation into the domain code) and
 * half from the edges (int64 beyond 2^53, NaN, enums out of range, timestamps out of range,
 * `__proto__` keys, blank and invalid text, lists past their bounds).
 */
export interface GeneratedRequest {
  readonly method: DescMethod;
  /** The protobuf-es init object the bytes were encoded from, for the failure report. */
  readonly init: Readonly<Record<string, unknown>>;
  readonly bytes: Buffer;
}

export function generatedRequest(method: DescMethod): fc.Arbitrary<GeneratedRequest> {
  return fc
    .oneof(messageInit(method.input, TAME, 0), messageInit(method.input, WILD, 0))
    .map((init) => ({ method, init, bytes: Buffer.from(toBinary(method.input, create(method.input, init))) }));
}

/** Values real clients send, by field name, so that tame requests get past validation. */
const TEXT_BY_FIELD: Readonly<Record<string, readonly string[]>> = {
  namespace: ['fuzz', 'fuzz-2'],
  agent_id: ['', 'agent-1'],
  id: ['', 'm1'],
  ids: ['m1', 'm2'],
  content: ['the deploy failed at 09:12', 'migration 42 timed out'],
  query: ['why did the deploy fail', 'deploy'],
  texts: ['Hello, world', ''],
  model: ['gpt-4o', 'claude-3-5-sonnet', 'llama-3-8b'],
  kind: ['', 'observation'],
  kinds: ['observation'],
  tags: ['deploy', 'ops'],
  actor: ['fuzzer'],
  action: ['fuzz.event'],
  actions: ['fuzz.event', 'memory.created'],
  subject: ['', 'release-42'],
  payload_json: ['', '{}', '{"ticket":"OPS-7"}'],
  role: ['user', 'assistant'],
  page_token: [''],
  service: ['', 'cortex.v1.MemoryService'],
  delete_keys: ['goal'],
};
const PLAUSIBLE_TEXT = ['fuzz', 'agent-1', 'm1', 'goal', 'team', 'value'];
/** Text at the edges of validation and of JavaScript. */
const EDGE_TEXT = ['', ' ', '\u200B', '\u0000', ' \uFEFF\n', '__proto__', 'constructor', 'prototype', '\uD800', 'ü', '"; DROP TABLE memories; --', 'NEAR(a b) OR "', '*', 'x'.repeat(129), 'é'.repeat(1100)];
const INT32_EDGES = [0, 1, -1, 2, 3, 10, 99, 100, 101, 500, 501, 1000, 1001, 60_000, 2 ** 31 - 1, -(2 ** 31)];
const INT64_EDGES = [0n, 1n, -1n, 2n, 2n ** 53n - 1n, 2n ** 53n, 2n ** 53n + 1n, -(2n ** 53n), 2n ** 63n - 1n, -(2n ** 63n)];
const DOUBLE_EDGES = [0, -0, 0.5, 1, -1, 1.0000001, 100, Number.NaN, Infinity, -Infinity, Number.MAX_VALUE, Number.MIN_VALUE];
/** Seconds around the Timestamp range (years 1 to 9999), the epoch, and the near future. */
const SECONDS_EDGES = [
  0n, 1n, -1n, -62_135_596_800n, -62_135_596_801n, 253_402_300_799n, 253_402_300_800n, 4_102_444_800n, 2n ** 53n + 1n, -(2n ** 63n),
];
const NANOS_EDGES = [0, 1, 999_999_999, 1_000_000_000, -1, 2 ** 31 - 1, -(2 ** 31)];
const MAX_DEPTH = 4;

const nearFuture = fc.integer({ min: 60, max: 365 * 86_400 }).map((offset) => BigInt(Math.floor(Date.now() / 1000) + offset));

/** How values are drawn: tame requests look like a client's; wild ones go for the edges. */
interface Palette {
  text(field: DescField): fc.Arbitrary<string>;
  readonly int32: fc.Arbitrary<number>;
  readonly uint32: fc.Arbitrary<number>;
  readonly int64: fc.Arbitrary<bigint>;
  readonly uint64: fc.Arbitrary<bigint>;
  readonly double: fc.Arbitrary<number>;
  readonly bytes: fc.Arbitrary<Uint8Array>;
  readonly timestamp: fc.Arbitrary<{ seconds: bigint; nanos: number }>;
  enumValue(values: readonly number[]): fc.Arbitrary<number>;
  collection<T>(element: fc.Arbitrary<T>): fc.Arbitrary<T[]>;
  /** Lists of messages stay short, or requests would explode; test/bad-input.test.ts checks their bounds. */
  readonly messages: { readonly minLength: number; readonly maxLength: number };
  /** Whether every field is set (message fields stay optional), or any may be left out. */
  readonly everyField: boolean;
}

const TAME: Palette = {
  text: (field) => fc.constantFrom(...(TEXT_BY_FIELD[field.name] ?? PLAUSIBLE_TEXT)),
  int32: fc.constantFrom(0, 1, 2, 5, 10, 100),
  uint32: fc.constantFrom(0, 1, 10),
  int64: fc.constantFrom(0n, 1n, 2n, 5n),
  uint64: fc.constantFrom(0n, 1n, 5n),
  double: fc.constantFrom(0, 0.5, 0.9),
  bytes: fc.uint8Array({ maxLength: 8 }),
  timestamp: fc.record({ seconds: nearFuture, nanos: fc.constantFrom(0, 500_000_000) }),
  enumValue: (values) => fc.constantFrom(...values.filter((v) => v !== 0)),
  collection: (element) => fc.array(element, { maxLength: 3 }),
  messages: { minLength: 1, maxLength: 3 },
  everyField: true,
};

const WILD: Palette = {
  text: () =>
    fc.oneof(
      { weight: 2, arbitrary: fc.constantFrom(...PLAUSIBLE_TEXT, ...Object.values(TEXT_BY_FIELD).flat()) },
      { weight: 2, arbitrary: fc.constantFrom(...EDGE_TEXT) },
      { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
    ),
  int32: fc.oneof(fc.constantFrom(...INT32_EDGES), fc.integer()),
  uint32: fc.oneof(fc.constantFrom(0, 1, 2 ** 32 - 1), fc.nat()),
  int64: fc.oneof(fc.constantFrom(...INT64_EDGES), fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n })),
  uint64: fc.oneof(fc.constantFrom(0n, 1n, 2n ** 53n + 1n, 2n ** 64n - 1n), fc.bigInt({ min: 0n, max: 2n ** 64n - 1n })),
  double: fc.oneof(fc.constantFrom(...DOUBLE_EDGES), fc.double()),
  bytes: fc.uint8Array({ maxLength: 40 }),
  timestamp: fc.record({
    seconds: fc.oneof(fc.constantFrom(...SECONDS_EDGES), nearFuture, fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n })),
    nanos: fc.oneof(fc.constantFrom(...NANOS_EDGES), fc.integer()),
  }),
  enumValue: (values) => fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...values) }, { weight: 1, arbitrary: fc.integer() }),
  // Mostly a few items; sometimes past every bound the API documents (at most 1000).
  collection: (element) =>
    fc.oneof({ weight: 9, arbitrary: fc.array(element, { maxLength: 4 }) }, { weight: 1, arbitrary: fc.array(element, { minLength: 30, maxLength: 1100, size: 'max' }) }),
  messages: { minLength: 0, maxLength: 3 },
  everyField: false,
};

function messageInit(schema: DescMessage, palette: Palette, depth: number): fc.Arbitrary<Record<string, unknown>> {
  if (schema.typeName === 'google.protobuf.Timestamp') return palette.timestamp;
  const fields = schema.fields.filter((f) => f.oneof === undefined && (depth < MAX_DEPTH || f.message === undefined));
  const oneofs = schema.oneofs.map((oneof) => {
    const cases = oneof.fields.map((f) =>
      singular(f, palette, depth).map((value) => ({ name: oneof.localName, value: { case: f.localName, value } })),
    );
    return fc.option(fc.oneof(...cases), { nil: undefined });
  });
  const value = (f: DescField) => (palette.everyField && f.fieldKind === 'message' ? fc.option(fieldValue(f, palette, depth), { nil: undefined }) : fieldValue(f, palette, depth));
  const record = fc.record(Object.fromEntries(fields.map((f) => [f.localName, value(f)])), palette.everyField ? {} : { requiredKeys: [] });
  return fc
    .tuple(record, fc.tuple(...oneofs))
    .map(([record, chosen]) => ({ ...record, ...Object.fromEntries(chosen.flatMap((c) => (c === undefined ? [] : [[c.name, c.value]]))) }));
}

function fieldValue(field: DescField, palette: Palette, depth: number): fc.Arbitrary<unknown> {
  switch (field.fieldKind) {
    case 'list':
      if (field.listKind === 'message') return fc.array(messageInit(field.message, palette, depth + 1), palette.messages);
      return palette.collection(field.listKind === 'enum' ? enumValue(field, palette) : scalar(field, field.scalar, palette));
    case 'map': {
      const value = field.mapKind === 'message' ? messageInit(field.message, palette, depth + 1) : field.mapKind === 'enum' ? enumValue(field, palette) : scalar(field, field.scalar, palette);
      // Object.fromEntries defines own properties, so "__proto__" stays a key.
      const key = scalar(field, field.mapKey, palette).map(String);
      return palette.collection(fc.tuple(key, value)).map((entries) => Object.fromEntries(entries));
    }
    default:
      return singular(field, palette, depth);
  }
}

function singular(field: DescField, palette: Palette, depth: number): fc.Arbitrary<unknown> {
  switch (field.fieldKind) {
    case 'message':
      return messageInit(field.message, palette, depth + 1);
    case 'enum':
      return enumValue(field, palette);
    case 'scalar':
      return scalar(field, field.scalar, palette);
    default:
      throw new Error(`${field.toString()} is not singular`);
  }
}

function enumValue(field: DescField, palette: Palette): fc.Arbitrary<number> {
  return palette.enumValue(field.enum?.values.map((v) => v.number) ?? [0]);
}

function scalar(field: DescField, type: ScalarType, palette: Palette): fc.Arbitrary<unknown> {
  switch (type) {
    case ScalarType.STRING:
      return palette.text(field);
    case ScalarType.BYTES:
      return palette.bytes;
    case ScalarType.BOOL:
      return fc.boolean();
    case ScalarType.DOUBLE:
      return palette.double;
    case ScalarType.FLOAT:
      // What a float32 can carry: larger doubles become ±Infinity, as a client's float would.
      return palette.double.map(Math.fround);
    case ScalarType.INT32:
    case ScalarType.SINT32:
    case ScalarType.SFIXED32:
      return palette.int32;
    case ScalarType.UINT32:
    case ScalarType.FIXED32:
      return palette.uint32;
    case ScalarType.INT64:
    case ScalarType.SINT64:
    case ScalarType.SFIXED64:
      return palette.int64;
    case ScalarType.UINT64:
    case ScalarType.FIXED64:
      return palette.uint64;
  }
}

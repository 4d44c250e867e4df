import { ScalarType, type DescField, type DescMessage } from '@bufbuild/protobuf';
import { BinaryReader, WireType } from '@bufbuild/protobuf/wire';
import { errorMessage } from '../errors.js';
import { RESERVED_KEYS, RESERVED_KEY_RULE } from './validate.js';

/** One problem found in a request's bytes, at the path of the field (undefined: the framing itself). */
export interface WireProblem {
  readonly field: string | undefined;
  readonly description: string;
  /** The bytes are not a valid encoding (truncated, bad tag...), rather than a value out of range. */
  readonly malformed: boolean;
}

/**
 * Checks a request's bytes, field by field along the descriptor, for what the generated (ts-proto)
 * decoder cannot be trusted with, before it runs:
 * - malformed encodings, which make it throw;
 * - integers the wire holds but the field's TypeScript number cannot: 64-bit values beyond
 *   ±(2^53 - 1), which make `forceLong=number` throw, and 32-bit fields sent wider, which it
 *   would silently truncate;
 * - google.protobuf.Timestamp values outside the type's documented range (years 1-9999, nanos
 *   0..999999999), which it would turn into an invalid or shifted Date;
 * - reserved map keys (`__proto__`), which it would drop on the plain object it builds.
 * Unknown fields, and known ones sent with another wire type, are skipped as the decoder skips them.
 */
export function checkWire(schema: DescMessage, bytes: Uint8Array): WireProblem[] {
  const problems: WireProblem[] = [];
  try {
    walkMessage(schema, new BinaryReader(bytes), bytes.length, '', problems, 0);
  } catch (thrown: unknown) {
    const field = thrown instanceof Malformed ? thrown.field : undefined;
    problems.push({ field, description: `is not a valid encoding (${errorMessage(thrown)})`, malformed: true });
  }
  return problems;
}

/** Far deeper than the API nests; a guard against hostile nesting, not a limit anyone meets. */
const MAX_DEPTH = 32;
const TIMESTAMP = 'google.protobuf.Timestamp';
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

type Range = readonly [bigint, bigint];
const INT32: Range = [-(2n ** 31n), 2n ** 31n - 1n];
const UINT32: Range = [0n, 2n ** 32n - 1n];
const SAFE: Range = [-MAX_SAFE, MAX_SAFE];
const UNSIGNED_SAFE: Range = [0n, MAX_SAFE];
/** 0001-01-01T00:00:00Z and 9999-12-31T23:59:59Z, the range timestamp.proto documents. */
const TIMESTAMP_SECONDS: Range = [-62_135_596_800n, 253_402_300_799n];
const NANOS: Range = [0n, 999_999_999n];

/** How each integral scalar is read off the wire, and the values its TypeScript number can hold. */
const INTEGERS: Partial<Record<ScalarType, { read: (r: BinaryReader) => bigint; range: Range }>> = {
  [ScalarType.INT32]: { read: (r) => BigInt(r.int64()), range: INT32 },
  [ScalarType.SINT32]: { read: (r) => BigInt(r.sint64()), range: INT32 },
  [ScalarType.UINT32]: { read: (r) => BigInt(r.uint64()), range: UINT32 },
  [ScalarType.INT64]: { read: (r) => BigInt(r.int64()), range: SAFE },
  [ScalarType.SINT64]: { read: (r) => BigInt(r.sint64()), range: SAFE },
  [ScalarType.SFIXED64]: { read: (r) => BigInt(r.sfixed64()), range: SAFE },
  [ScalarType.UINT64]: { read: (r) => BigInt(r.uint64()), range: UNSIGNED_SAFE },
  [ScalarType.FIXED64]: { read: (r) => BigInt(r.fixed64()), range: UNSIGNED_SAFE },
};

class Malformed extends Error {
  constructor(
    readonly field: string | undefined,
    message: string,
  ) {
    super(message);
  }
}

/** A failure becomes Malformed at `field`, unless a deeper field already claimed it. */
function malformedAt(field: string, thrown: unknown): Malformed {
  return thrown instanceof Malformed ? thrown : new Malformed(field === '' ? undefined : field, errorMessage(thrown));
}

/*
 * One reader walks the whole request; a nested message is the span up to its `end`, and a field
 * that runs past it is malformed (the generated decoder would read into the enclosing message).
 */

function walkMessage(schema: DescMessage, reader: BinaryReader, end: number, path: string, out: WireProblem[], depth: number): void {
  if (depth > MAX_DEPTH) throw new Malformed(path, `nested deeper than ${MAX_DEPTH} messages`);
  const fields = fieldsByNumber(schema);
  const counts = new Map<number, number>();
  while (reader.pos < end) {
    let where = path;
    try {
      const [number, wireType] = reader.tag();
      const field = fields.get(number);
      if (field === undefined || !accepts(field, wireType)) {
        reader.skip(wireType, number);
        continue;
      }
      where = path === '' ? field.name : `${path}.${field.name}`;
      counts.set(number, walkField(field, wireType, reader, where, counts.get(number) ?? 0, out, depth));
    } catch (thrown: unknown) {
      throw malformedAt(where, thrown);
    }
  }
  if (reader.pos !== end) throw new Malformed(path, 'a field runs past the end of its message');
}

/** Walks one record of a field; returns how many elements of the field were read so far. */
function walkField(
  field: DescField,
  wireType: WireType,
  reader: BinaryReader,
  path: string,
  index: number,
  out: WireProblem[],
  depth: number,
): number {
  switch (field.fieldKind) {
    case 'scalar':
      checkScalar(field.scalar, reader, path, out);
      return index + 1;
    case 'enum':
      checkScalar(ScalarType.INT32, reader, path, out);
      return index + 1;
    case 'message':
      walkNested(field.message, reader, path, out, depth);
      return index + 1;
    case 'map':
      walkMapEntry(field, reader, path, out, depth);
      return index + 1;
    case 'list': {
      if (field.listKind === 'message') {
        walkNested(field.message, reader, `${path}[${index}]`, out, depth);
        return index + 1;
      }
      const scalar = field.listKind === 'enum' ? ScalarType.INT32 : field.scalar;
      if (wireType !== WireType.LengthDelimited || !isPackable(scalar)) {
        checkScalar(scalar, reader, `${path}[${index}]`, out);
        return index + 1;
      }
      const end = spanEnd(reader);
      let next = index;
      while (reader.pos < end) checkScalar(scalar, reader, `${path}[${next++}]`, out);
      if (reader.pos !== end) throw new Error('a packed value runs past the end of its list');
      return next;
    }
  }
}

/** Reads a length prefix; returns where the span it announces ends. */
function spanEnd(reader: BinaryReader): number {
  const length = reader.uint32();
  const end = reader.pos + length;
  if (end > reader.len) throw new RangeError('premature EOF');
  return end;
}

function walkNested(schema: DescMessage, reader: BinaryReader, path: string, out: WireProblem[], depth: number): void {
  let end: number;
  try {
    end = spanEnd(reader);
  } catch (thrown: unknown) {
    throw malformedAt(path, thrown);
  }
  if (schema.typeName === TIMESTAMP) checkTimestamp(reader, end, path, out);
  else walkMessage(schema, reader, end, path, out, depth + 1);
}

/** A map entry is a message (key = 1, value = 2); its path names the key, as `metadata["k"]`. */
function walkMapEntry(field: DescField & { fieldKind: 'map' }, reader: BinaryReader, path: string, out: WireProblem[], depth: number): void {
  const keyWireType = wireTypeOf(field.mapKey);
  const valueWireType = field.mapKind === 'scalar' ? wireTypeOf(field.scalar) : field.mapKind === 'enum' ? WireType.Varint : WireType.LengthDelimited;
  const end = spanEnd(reader);
  let key = field.mapKey === ScalarType.STRING ? '' : field.mapKey === ScalarType.BOOL ? 'false' : '0';
  let valueAt: number | undefined;
  while (reader.pos < end) {
    const [number, wireType] = reader.tag();
    if (number === 1 && wireType === keyWireType) {
      key = readKey(field.mapKey, reader, path, out);
      continue;
    }
    if (number === 2 && wireType === valueWireType) valueAt = reader.pos;
    reader.skip(wireType, number);
  }
  if (reader.pos !== end) throw new Error('a field runs past the end of its map entry');
  const entryPath = `${path}[${field.mapKey === ScalarType.STRING ? JSON.stringify(key) : key}]`;
  if (RESERVED_KEYS.has(key)) out.push({ field: entryPath, description: RESERVED_KEY_RULE, malformed: false });
  if (valueAt === undefined) return;
  // The value is checked once the key, which names it, is known (an encoder may send it first).
  reader.pos = valueAt;
  if (field.mapKind === 'message') walkNested(field.message, reader, entryPath, out, depth);
  else checkScalar(field.mapKind === 'enum' ? ScalarType.INT32 : field.scalar, reader, entryPath, out);
  reader.pos = end;
}

function readKey(scalar: ScalarType, reader: BinaryReader, path: string, out: WireProblem[]): string {
  if (scalar === ScalarType.STRING) return reader.string();
  if (scalar === ScalarType.BOOL) return String(reader.bool());
  return String(checkScalar(scalar, reader, path, out));
}

/** Reads one scalar; an integer out of its field's range is reported. Returns integers' values. */
function checkScalar(scalar: ScalarType, reader: BinaryReader, path: string, out: WireProblem[]): bigint | undefined {
  const integer = INTEGERS[scalar];
  if (integer === undefined) {
    reader.skip(wireTypeOf(scalar));
    return undefined;
  }
  const value = integer.read(reader);
  const [min, max] = integer.range;
  if (value < min || value > max) out.push({ field: path, description: `must be between ${min} and ${max} (got ${value})`, malformed: false });
  return value;
}

function checkTimestamp(reader: BinaryReader, end: number, path: string, out: WireProblem[]): void {
  let seconds = 0n;
  let nanos = 0n;
  while (reader.pos < end) {
    const [number, wireType] = reader.tag();
    if (number === 1 && wireType === WireType.Varint) seconds = BigInt(reader.int64());
    else if (number === 2 && wireType === WireType.Varint) nanos = BigInt(reader.int64());
    else reader.skip(wireType, number);
  }
  if (reader.pos !== end) throw new Malformed(path, 'a field runs past the end of its message');
  if (seconds < TIMESTAMP_SECONDS[0] || seconds > TIMESTAMP_SECONDS[1]) {
    out.push({ field: path, description: `must be between 0001-01-01T00:00:00Z and 9999-12-31T23:59:59.999999999Z (seconds: ${seconds})`, malformed: false });
  } else if (nanos < NANOS[0] || nanos > NANOS[1]) {
    out.push({ field: path, description: `nanos must be between 0 and 999999999 (got ${nanos})`, malformed: false });
  }
}

function wireTypeOf(scalar: ScalarType): WireType {
  switch (scalar) {
    case ScalarType.STRING:
    case ScalarType.BYTES:
      return WireType.LengthDelimited;
    case ScalarType.DOUBLE:
    case ScalarType.FIXED64:
    case ScalarType.SFIXED64:
      return WireType.Bit64;
    case ScalarType.FLOAT:
    case ScalarType.FIXED32:
    case ScalarType.SFIXED32:
      return WireType.Bit32;
    default:
      return WireType.Varint;
  }
}

function isPackable(scalar: ScalarType): boolean {
  return wireTypeOf(scalar) !== WireType.LengthDelimited;
}

/** The wire type a field's records come in: its element's, or length-delimited when packed. */
function accepts(field: DescField, wireType: WireType): boolean {
  switch (field.fieldKind) {
    case 'scalar':
      return wireType === wireTypeOf(field.scalar);
    case 'enum':
      return wireType === WireType.Varint;
    case 'message':
    case 'map':
      return wireType === WireType.LengthDelimited;
    case 'list': {
      if (field.listKind === 'message') return wireType === WireType.LengthDelimited;
      const element = field.listKind === 'enum' ? WireType.Varint : wireTypeOf(field.scalar);
      return wireType === element || wireType === WireType.LengthDelimited;
    }
  }
}

const FIELDS = new WeakMap<DescMessage, ReadonlyMap<number, DescField>>();

function fieldsByNumber(schema: DescMessage): ReadonlyMap<number, DescField> {
  let fields = FIELDS.get(schema);
  if (fields === undefined) {
    fields = new Map(schema.fields.map((f) => [f.number, f]));
    FIELDS.set(schema, fields);
  }
  return fields;
}

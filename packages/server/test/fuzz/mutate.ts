import fc from 'fast-check';

/**
 * Byte-level mutations of valid encodings, the way a broken client, a proxy or an attacker would
 * bend them: flipped bits, bytes set to varint and tag edges, insertions, deletions, duplicated
 * spans (repeated fields, nested lengths that no longer match), truncation.
 */
export type Mutation =
  | { readonly kind: 'flip'; readonly at: number; readonly bit: number }
  | { readonly kind: 'set'; readonly at: number; readonly value: number }
  | { readonly kind: 'insert'; readonly at: number; readonly bytes: readonly number[] }
  | { readonly kind: 'delete'; readonly at: number; readonly length: number }
  | { readonly kind: 'duplicate'; readonly at: number; readonly length: number }
  | { readonly kind: 'truncate'; readonly at: number };

/** Bytes that matter to the protobuf wire format: varint continuation, wire types 0-7, overflow. */
const EDGE_BYTES = [0x00, 0x01, 0x02, 0x05, 0x07, 0x08, 0x0a, 0x0f, 0x10, 0x7f, 0x80, 0xff];

/** Positions are fractions of the length, so a mutation stays meaningful while the input shrinks. */
const position = fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true });

export const mutations: fc.Arbitrary<Mutation[]> = fc.array(
  fc.oneof(
    fc.record({ kind: fc.constant('flip' as const), at: position, bit: fc.integer({ min: 0, max: 7 }) }),
    fc.record({ kind: fc.constant('set' as const), at: position, value: fc.oneof(fc.constantFrom(...EDGE_BYTES), fc.integer({ min: 0, max: 255 })) }),
    fc.record({ kind: fc.constant('insert' as const), at: position, bytes: fc.array(fc.oneof(fc.constantFrom(...EDGE_BYTES), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 12 }) }),
    fc.record({ kind: fc.constant('delete' as const), at: position, length: fc.integer({ min: 1, max: 8 }) }),
    fc.record({ kind: fc.constant('duplicate' as const), at: position, length: fc.integer({ min: 1, max: 64 }) }),
    fc.record({ kind: fc.constant('truncate' as const), at: position }),
  ),
  { minLength: 1, maxLength: 6 },
);

export function mutate(original: Buffer, steps: readonly Mutation[]): Buffer {
  let bytes = Buffer.from(original);
  for (const step of steps) {
    const at = Math.floor(step.at * bytes.length);
    switch (step.kind) {
      case 'flip':
        if (bytes.length > 0) bytes[at] = (bytes[at] ?? 0) ^ (1 << step.bit);
        break;
      case 'set':
        if (bytes.length > 0) bytes[at] = step.value;
        break;
      case 'insert':
        bytes = Buffer.concat([bytes.subarray(0, at), Buffer.from(step.bytes), bytes.subarray(at)]);
        break;
      case 'delete':
        bytes = Buffer.concat([bytes.subarray(0, at), bytes.subarray(at + step.length)]);
        break;
      case 'duplicate':
        bytes = Buffer.concat([bytes.subarray(0, at + step.length), bytes.subarray(at)]);
        break;
      case 'truncate':
        bytes = bytes.subarray(0, at);
        break;
    }
  }
  return bytes;
}

import { configureTextEncoding, getTextEncoding } from '@bufbuild/protobuf/wire';

/** A lone high surrogate: never produced by decoding valid UTF-8, so it marks invalid input. */
export const INVALID_UTF8_MARK = '\uD800';

/**
 * protobuf-es replaces invalid UTF-8 with U+FFFD silently, which would store corrupted text
 * and hide the client's bug. Decoding instead marks such strings with a lone surrogate, so the
 * validators (`isWellFormed`) reject them with the field's name. The setting is the library's
 * one process-wide codec; marking only ever happens to input that was invalid anyway.
 */
export function markInvalidUtf8OnDecode(): void {
  const base = getTextEncoding();
  const strict = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
  // The replacement the deprecation names, a TextDecoder on globalThis, would change decoding for every library.
  // eslint-disable-next-line @typescript-eslint/no-deprecated
  configureTextEncoding({
    checkUtf8: base.checkUtf8,
    encodeUtf8: base.encodeUtf8,
    encodeUtf8Into: base.encodeUtf8Into,
    decodeUtf8(bytes) {
      try {
        return strict.decode(bytes);
      } catch {
        return base.decodeUtf8(bytes) + INVALID_UTF8_MARK;
      }
    },
  });
}

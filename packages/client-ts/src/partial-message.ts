type Builtin = Date | ((...args: never[]) => unknown) | Uint8Array | string | number | boolean | undefined;

/**
 * A request as callers write it: every field optional, at any depth. Missing fields take their
 * proto3 defaults (the generated `fromPartial` fills them in).
 */
export type PartialMessage<T> = T extends Builtin
  ? T
  : T extends Array<infer U>
    ? Array<PartialMessage<U>>
    : T extends ReadonlyArray<infer U>
      ? ReadonlyArray<PartialMessage<U>>
      : T extends object
        ? { [K in keyof T]?: PartialMessage<T[K]> }
        : Partial<T>;

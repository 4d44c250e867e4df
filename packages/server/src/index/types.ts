// Shared shapes of the vector-index layer. Labels are the integer row ids the caller assigns
// (memory / chunk rows); hnswlib stores them as uint32.

/** A vector with the caller's integer label. Vectors are expected L2-normalised. */
export interface LabeledVector {
  readonly label: number;
  readonly vector: ArrayLike<number>;
}

/** One search result: cosine distance and similarity (score = 1 - distance), higher score first. */
export interface SearchHit {
  readonly label: number;
  readonly distance: number;
  readonly score: number;
}

export type LabelFilter = (label: number) => boolean;

/** The slice of a winston logger this layer uses, so tests and callers can pass any logger. */
export interface IndexLogger {
  info(message: string, meta?: Record<string, unknown>): void;
  warn(message: string, meta?: Record<string, unknown>): void;
}

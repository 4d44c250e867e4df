/** Turns text into unit vectors for semantic recall. Implementations: ONNX in-process (onnx-embedder.ts). */
export interface Embedder {
  /** Identifies the vector space: vectors with different ids must never be compared. */
  readonly modelId: string;
  readonly dimensions: number;
  /** One L2-normalised vector per text, in order. Texts past the model's window are truncated: use chunk(). */
  embed(texts: readonly string[]): Promise<Float32Array[]>;
  /** Model tokens of text, special tokens included, without truncation. */
  countTokens(text: string): number;
  /** Splits text into pieces that each fit the model's window, with a small overlap. */
  chunk(text: string): string[];
  /** Resolves when the model can embed right now; throws otherwise (for health checks). */
  check(): Promise<void>;
  /** Finishes queued work, then frees the model. Later calls fail with UNAVAILABLE. */
  close(): Promise<void>;
}

export const EMBEDDING_DIMENSIONS = 384;
/** all-MiniLM-L6-v2 was trained on sequences of at most 256 word pieces ([CLS] and [SEP] included). */
export const MAX_SEQUENCE_TOKENS = 256;

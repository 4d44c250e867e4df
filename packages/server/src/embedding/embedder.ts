/**
 * Turns text into unit vectors for semantic recall. Implementations: a local ONNX model run by
 * worker threads (onnx-embedder.ts) and an OpenAI-compatible service (remote/openai-embedder.ts).
 */
export interface Embedder {
  /**
   * Identifies the vector space: vectors with different ids must never be compared. Stored
   * vectors should record it, so a change of model is noticed and they are re-embedded.
   */
  readonly modelId: string;
  /** Length of every vector embed() returns. */
  readonly dimensions: number;
  /**
   * One L2-normalised vector per text, in order. Queries and documents may be embedded differently
   * (e5 and bge put a prefix before one or both), so say which these are. Texts past the model's
   * window are truncated: use chunk().
   */
  embed(texts: readonly string[], purpose: EmbedPurpose): Promise<Float32Array[]>;
  /** Model tokens of text, special tokens included, without truncation (approximate for remote models). */
  countTokens(text: string): number;
  /** Splits text into pieces that each fit the model's window, with a small overlap. */
  chunk(text: string): string[];
  /** Resolves when the model can embed right now; throws otherwise (for health checks). */
  check(): Promise<void>;
  /** Finishes queued work, then frees the model. Later calls fail with UNAVAILABLE. */
  close(): Promise<void>;
}

/** A search query (what Recall embeds) or stored content (what Remember embeds). */
export type EmbedPurpose = 'query' | 'document';

export const EMBEDDING_DIMENSIONS = 384;
/**
 * Tokens per vector, [CLS] and [SEP] included: all-MiniLM-L6-v2 was trained on at most 256, and
 * the 512-token models are held to the same so chunks, cost and recall stay comparable.
 */
export const MAX_SEQUENCE_TOKENS = 256;

import type { EmbedPurpose } from '../embedding/index.js';
import type { Tier } from '../memory/types.js';
import type { TokenizerRegistry, Tokenizer } from './tokenizers.js';

/** A recalled memory offered to the packer. Instants are milliseconds since the Unix epoch. */
export interface Candidate {
  readonly id: string;
  readonly content: string;
  /** Fused recall score, 0..1 (clamped). */
  readonly relevance: number;
  /** 0..1 (clamped). */
  readonly importance: number;
  readonly createdAt: number;
  readonly lastAccessedAt: number;
  /** Sentence embedding; near-duplicates are found by cosine when both sides have one. */
  readonly vector?: Float32Array;
  readonly tier: Tier;
  readonly kind: string;
  readonly metadata: Readonly<Record<string, string>>;
}

/** Who spoke: "user", "assistant", "system", "tool" or a participant's name. */
export type TurnRole = string;

/** One conversation turn for the sliding window, oldest first in `history`. */
export interface Turn {
  readonly role: TurnRole;
  readonly content: string;
  readonly at: number;
}

export type CompressionMode = 'none' | 'dedupe' | 'extractive' | 'combined';
export type FormatStyle = 'markdown' | 'xml' | 'plain';

export interface FormatOptions {
  /** markdown (default): "## " headings and "[kind · date]" section headers; xml: tagged; plain: bare text. */
  readonly style?: FormatStyle;
  /** Heading above the memories (default "Relevant memories"; "" for none). Ignored by `plain`. */
  readonly title?: string;
  /** Put kind and creation date in each section header (default true). */
  readonly includeMetadata?: boolean;
}

export interface WindowOptions {
  /** At most this many latest turns are kept verbatim (default 8). */
  readonly recentTurns?: number;
  /** Tokens the whole conversation part may use (default: half of tokenBudget − reserveTokens). */
  readonly maxTokens?: number;
}

export interface BuildContextInput {
  readonly query: string;
  readonly candidates: readonly Candidate[];
  readonly tokenBudget: number;
  /** Tokens kept free for the caller's own prompt and the answer (default 0). */
  readonly reserveTokens?: number;
  readonly model: string;
  /** Recency half-life for ranking (default 7 days). */
  readonly halfLifeMs?: number;
  /** Cosine above which two memories are duplicates (default 0.95). */
  readonly dedupeThreshold?: number;
  /** Candidates with relevance below this are dropped (default 0). */
  readonly minRelevance?: number;
  readonly compression?: CompressionMode;
  /** Memories longer than this many tokens are compressed extractively (default 256). */
  readonly maxMemoryTokens?: number;
  readonly history?: readonly Turn[];
  readonly window?: WindowOptions;
  readonly format?: FormatOptions;
}

export type DropReason = 'BUDGET' | 'DUPLICATE' | 'BELOW_THRESHOLD';

export interface DroppedMemory {
  readonly memoryId: string;
  readonly reason: DropReason;
  /** For DUPLICATE: the better-ranked memory it duplicates. */
  readonly duplicateOf?: string;
}

export interface PackedSection {
  readonly memoryId: string;
  /**
   * What including this section cost when it was added: its text plus the separator before it (the
   * first section also carries the title). Together with the conversation blocks they add up to
   * tokensUsed, the exact count of the whole text.
   */
  readonly tokens: number;
  readonly compressed: boolean;
}

export interface SummaryInfo {
  /** How many older turns this summary replaces. */
  readonly turnCount: number;
  readonly firstAt: number;
  readonly lastAt: number;
  readonly tokens: number;
  readonly method: SummaryMethod;
  /** Set when an LLM summary was wanted but the extractive fallback was used. */
  readonly fallbackReason?: string;
}

export interface BuildContextResult {
  readonly text: string;
  /** In output order (best-ranked first). */
  readonly sections: readonly PackedSection[];
  /** Exact count of `text` for the model's tokenizer. */
  readonly tokensUsed: number;
  /** tokenBudget − reserveTokens: the space `text` had; tokensUsed ≤ budget always. */
  readonly budget: number;
  /** In rank order within each reason's pipeline stage. */
  readonly dropped: readonly DroppedMemory[];
  /** True when the tokenizer only approximates the model's (e.g. Claude 3+). */
  readonly estimate: boolean;
  readonly summaries: readonly SummaryInfo[];
  /** Turns kept verbatim in the sliding window. */
  readonly recentTurns: number;
}

/** Embeds sentences of memories (documents, the default) or the request's query. */
export type EmbedSentences = (texts: readonly string[], purpose?: EmbedPurpose) => Promise<Float32Array[]>;

export type SummaryMethod = 'extractive' | 'llm';

export interface SummarizeRequest {
  readonly turns: readonly Turn[];
  /** The summary text must count at most this many tokens with `tokenizer`. */
  readonly maxTokens: number;
  readonly tokenizer: Tokenizer;
  readonly query?: string;
}

export interface Summary {
  readonly text: string;
  readonly method: SummaryMethod;
  readonly fallbackReason?: string;
}

export interface Summarizer {
  summarize(request: SummarizeRequest): Promise<Summary>;
}

export interface BuildContextDeps {
  readonly tokenizers: TokenizerRegistry;
  readonly clock: () => number;
  /** Optional sentence embedder; without it compression and summaries use lexical/lead fallbacks. */
  readonly embedSentences?: EmbedSentences;
  /** Defaults to the local extractive summarizer over `embedSentences`. */
  readonly summarizer?: Summarizer;
}

import type { EmbedPurpose } from '../embedding/index.js';
import type { Tier } from '../memory/types.js';
import type { TokenizerRegistry, Tokenizer } from './tokenizers.js';

/** A recalled memory offered to the packer. Instants are milliseconds since the Unix epoch. */
export interface Candidate {
  readonly id: string;
  readonly content: string;
  /** Cosine similarity to the query, 0..1 (clamped): what the relevance floor is held against. */
  readonly relevance: number;
  /**
   * Recall's fused (hybrid) score scaled so the best candidate has 1: ranks candidates when present,
   * since fusing meaning and keywords finds evidence that cosine alone ranks low. Else relevance ranks.
   */
  readonly fusedScore?: number;
  /** 0..1 (clamped). */
  readonly importance: number;
  readonly createdAt: number;
  /** When the remembered event happened, when known: the date a section is attributed to. */
  readonly occurredAt?: number;
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
  /** When it was said (ms since the epoch), if known. */
  readonly at?: number;
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
  /** At most this many latest turns are kept verbatim (default 8), within half the budget. */
  readonly recentTurns?: number;
  /** Tokens the whole conversation part may use (default: whatever the budget split gives it, see BudgetSplit). */
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
  /**
   * Candidates with relevance below this are dropped, and older history sentences below it are not
   * quoted (default 0, none; ContextService passes its embedder's calibrated floor).
   */
  readonly minRelevance?: number;
  readonly compression?: CompressionMode;
  /** Memories longer than this many tokens are compressed extractively (default 256). */
  readonly maxMemoryTokens?: number;
  readonly history?: readonly Turn[];
  readonly window?: WindowOptions;
  readonly format?: FormatOptions;
}

export type DropReason = 'BUDGET' | 'DUPLICATE' | 'BELOW_THRESHOLD' | 'IN_HISTORY';

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
  /** Index in `history` of the first and the last turn the summary covers. */
  readonly firstTurn: number;
  readonly lastTurn: number;
  /** How many older turns this summary replaces. */
  readonly turnCount: number;
  readonly firstAt?: number;
  readonly lastAt?: number;
  /** Tokens of the summary text, without its heading. */
  readonly tokens: number;
  readonly method: SummaryMethod;
  /** Set when an LLM summary was wanted but the extractive fallback was used. */
  readonly fallbackReason?: string;
  /** Extractive summaries only: what they quote. */
  readonly quoted?: QuoteCount;
}

export interface QuoteCount {
  readonly sentences: number;
  /** Sentences in the covered turns. */
  readonly totalSentences: number;
  /** Covered turns with at least one sentence quoted. */
  readonly turns: number;
}

/** How the budget was shared; see BudgetSplit in context_service.proto. memoryTokens + historyTokens = tokensUsed. */
export interface BudgetSplit {
  readonly memoryTokens: number;
  readonly historyTokens: number;
  /** The summary block (heading included), part of historyTokens. */
  readonly summaryTokens: number;
  /** The most the memories were allowed. */
  readonly memoryShare: number;
  /** Estimated tokens of a summary quoting every older sentence worth quoting. */
  readonly summaryNeed: number;
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
  /** The summary of the older turns, when one is in the text. */
  readonly summary?: SummaryInfo;
  /** Turns kept verbatim in the sliding window. */
  readonly recentTurns: number;
  readonly budgetSplit: BudgetSplit;
  /** The relevance floor applied (0: none). */
  readonly relevanceFloor: number;
}

/** Embeds sentences of memories (documents, the default) or the request's query. */
export type EmbedSentences = (texts: readonly string[], purpose?: EmbedPurpose) => Promise<Float32Array[]>;

export type SummaryMethod = 'extractive' | 'llm';

export interface SummarizeRequest {
  /** The older turns, to be summarized. */
  readonly turns: readonly Turn[];
  /** The latest turns, going in verbatim after the summary: what the conversation is about now. */
  readonly recent: readonly Turn[];
  readonly tokenizer: Tokenizer;
  readonly query: string;
  /** Sentences less relevant than this (to the query and the recent turns) are not quoted; 0: no floor. */
  readonly minRelevance: number;
  /** The most tokens the summary could be given: a need beyond this is not worth measuring. */
  readonly maxTokens: number;
}

export interface Summary {
  readonly text: string;
  readonly method: SummaryMethod;
  readonly fallbackReason?: string;
  readonly quoted?: QuoteCount;
}

/** A summary being planned: the turns are scored once, then written at the size the budget allows. */
export interface SummaryPlan {
  /** Estimated tokens of a summary quoting everything worth quoting (at most the request's maxTokens). */
  readonly need: number;
  /**
   * A summary whose text counts at most `maxTokens`, leaving out the turns in `omit` (indexes into
   * the request's turns: they are in the context already, as memories).
   */
  write(maxTokens: number, omit: ReadonlySet<number>): Promise<Summary>;
}

export interface Summarizer {
  plan(request: SummarizeRequest): Promise<SummaryPlan>;
}

export interface BuildContextDeps {
  readonly tokenizers: TokenizerRegistry;
  readonly clock: () => number;
  /** Optional sentence embedder; without it compression and summaries use lexical/lead fallbacks. */
  readonly embedSentences?: EmbedSentences;
  /** Defaults to the local extractive summarizer over `embedSentences`. */
  readonly summarizer?: Summarizer;
}

// The context engine: exact token counting per model and packing memories + conversation into a budget.
export { buildContext, countTokens, LOOKAHEAD } from './pack.js';
export type { TokenCount } from './pack.js';
export { createTokenizerRegistry } from './tokenizers.js';
export type { Tokenizer, TokenizerRegistry, TokenizerRegistryOptions } from './tokenizers.js';
export { MODEL_RULES, matchModel, normalizeModelName } from './model-table.js';
export type { EncodingId, ModelRule, TokenizerFamily } from './model-table.js';
export { ContextInputError, InvalidBudgetError, TokenizerClosedError, UnknownModelError } from './errors.js';
export { rankScore, rankCandidates } from './rank.js';
export type { RankedCandidate } from './rank.js';
export { createLayout, DEFAULT_TITLE } from './format.js';
export type { Layout } from './format.js';
export { createExtractiveSummarizer } from './summarize.js';
export type { ExtractiveSummarizerDeps } from './summarize.js';
export { createLlmSummarizer, chatCompletionsUrl, LlmSummaryError } from './llm-summarizer.js';
export type { LlmFallbackReason, LlmSummarizerOptions } from './llm-summarizer.js';
export { DEFAULTS as CONTEXT_DEFAULTS } from './validate.js';
export { CALIBRATED_FLOORS, defaultRelevanceFloor } from './relevance-floor.js';
export type * from './types.js';

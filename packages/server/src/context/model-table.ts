// The one table from model names to tokenizers. Exact names win over prefixes, and the longest
// prefix wins, so "gpt-4-" never captures "gpt-4o" (which has no dash after the 4) by accident.

export type EncodingId = 'o200k_base' | 'cl100k_base' | 'llama3' | 'llama2' | 'mistral' | 'claude';
export type TokenizerFamily = 'openai' | 'llama3' | 'llama2' | 'mistral' | 'claude';

export interface ModelRule {
  /** Lower-case model name, or a family prefix when `prefix` is true. */
  readonly pattern: string;
  readonly prefix: boolean;
  readonly encoding: EncodingId;
  readonly family: TokenizerFamily;
  /** True when the library only approximates the model's real tokenizer. */
  readonly estimate: boolean;
}

const rule = (pattern: string, encoding: EncodingId, family: TokenizerFamily, prefix = false, estimate = false): ModelRule => ({
  pattern,
  prefix,
  encoding,
  family,
  estimate,
});

const o200k = ['gpt-4o', 'gpt-4o-mini', 'chatgpt-4o-latest', 'o1', 'o1-mini', 'o1-preview', 'o3', 'o3-mini', 'o4-mini',
  'gpt-4.1', 'gpt-4.1-mini', 'gpt-4.1-nano', 'gpt-5', 'gpt-5-mini', 'gpt-5-nano'];
const cl100k = ['gpt-4', 'gpt-4-turbo', 'gpt-4-32k', 'gpt-3.5-turbo', 'gpt-3.5-turbo-16k',
  'text-embedding-3-small', 'text-embedding-3-large', 'text-embedding-ada-002'];

export const MODEL_RULES: readonly ModelRule[] = [
  ...o200k.map((m) => rule(m, 'o200k_base', 'openai')),
  // Dated snapshots such as gpt-4o-2024-08-06 or o3-mini-2025-01-31.
  ...['gpt-4o-', 'chatgpt-4o-', 'gpt-4.1-', 'gpt-5-', 'gpt-5.', 'o1-', 'o3-', 'o4-mini-'].map((p) => rule(p, 'o200k_base', 'openai', true)),
  ...cl100k.map((m) => rule(m, 'cl100k_base', 'openai')),
  ...['gpt-4-', 'gpt-3.5-turbo-', 'text-embedding-3-'].map((p) => rule(p, 'cl100k_base', 'openai', true)),
  // Llama 3, 3.1, 3.2 and 3.3 share one 128k-vocabulary tokenizer.
  rule('llama-3', 'llama3', 'llama3', true),
  rule('llama3', 'llama3', 'llama3', true),
  rule('meta-llama-3', 'llama3', 'llama3', true),
  rule('llama-2', 'llama2', 'llama2', true),
  rule('llama2', 'llama2', 'llama2', true),
  // mistral-tokenizer-js is the 32k SentencePiece vocabulary of Mistral 7B / Mixtral 8x7B;
  // later Mistral models (v3, Tekken vocabularies) only approximate to it.
  rule('mistral-7b', 'mistral', 'mistral', true),
  rule('open-mistral-7b', 'mistral', 'mistral'),
  rule('mixtral-8x7b', 'mistral', 'mistral', true),
  rule('open-mixtral-8x7b', 'mistral', 'mistral'),
  rule('mistral', 'mistral', 'mistral', true, true),
  rule('open-mistral', 'mistral', 'mistral', true, true),
  rule('mixtral', 'mistral', 'mistral', true, true),
  rule('open-mixtral', 'mistral', 'mistral', true, true),
  // @anthropic-ai/tokenizer is the pre-Claude-3 vocabulary: exact for Claude 2 / Instant, an
  // estimate for Claude 3 and later (Anthropic publishes no newer tokenizer).
  rule('claude-2', 'claude', 'claude', true),
  rule('claude-instant', 'claude', 'claude', true),
  rule('claude-', 'claude', 'claude', true, true),
];

/** Lower-cases and drops a provider path ("meta-llama/Llama-3.1-8B" → "llama-3.1-8b"). */
export function normalizeModelName(model: string): string {
  const trimmed = model.trim().toLowerCase();
  const slash = trimmed.lastIndexOf('/');
  return slash >= 0 ? trimmed.slice(slash + 1) : trimmed;
}

export function matchModel(model: string, rules: readonly ModelRule[] = MODEL_RULES): ModelRule | undefined {
  const name = normalizeModelName(model);
  if (name === '') return undefined;
  const exact = rules.find((r) => !r.prefix && r.pattern === name);
  if (exact !== undefined) return exact;
  let best: ModelRule | undefined;
  for (const r of rules) {
    if (r.prefix && name.startsWith(r.pattern) && (best === undefined || r.pattern.length > best.pattern.length)) best = r;
  }
  return best;
}

/** Exact names as-is, prefixes as `prefix*`, sorted: what an UnknownModelError lists. */
export function describeKnownModels(rules: readonly ModelRule[] = MODEL_RULES): string[] {
  return [...new Set(rules.map((r) => (r.prefix ? `${r.pattern}*` : r.pattern)))].sort();
}

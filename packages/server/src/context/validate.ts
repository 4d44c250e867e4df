// Input checks and defaults for buildContext. Budget problems get their own error class so the
// rpc layer and callers can tell "your numbers are wrong" from other bad input.
import { ContextInputError, InvalidBudgetError } from './errors.js';
import type { BuildContextInput, CompressionMode, FormatStyle } from './types.js';

export const DEFAULTS = {
  reserveTokens: 0,
  halfLifeMs: 7 * 24 * 3_600_000,
  dedupeThreshold: 0.95,
  /** None here: the service passes the floor calibrated for its embedding model (relevance-floor.ts). */
  minRelevance: 0,
  compression: 'combined' as CompressionMode,
  maxMemoryTokens: 256,
} as const;

export interface NormalizedInput {
  readonly limit: number;
  readonly halfLifeMs: number;
  readonly dedupeThreshold: number;
  readonly minRelevance: number;
  readonly compression: CompressionMode;
  readonly maxMemoryTokens: number;
}

const COMPRESSION: readonly CompressionMode[] = ['none', 'dedupe', 'extractive', 'combined'];
const STYLES: readonly FormatStyle[] = ['markdown', 'xml', 'plain'];

export function normalizeInput(input: BuildContextInput): NormalizedInput {
  const { tokenBudget } = input;
  const reserveTokens = input.reserveTokens ?? DEFAULTS.reserveTokens;
  if (!Number.isSafeInteger(tokenBudget) || tokenBudget <= 0) {
    throw new InvalidBudgetError('tokenBudget', `must be a positive integer, got ${tokenBudget}`);
  }
  if (!Number.isSafeInteger(reserveTokens) || reserveTokens < 0) {
    throw new InvalidBudgetError('reserveTokens', `must be a non-negative integer, got ${reserveTokens}`);
  }
  if (reserveTokens >= tokenBudget) {
    throw new InvalidBudgetError('reserveTokens', `must be less than tokenBudget (${tokenBudget}), got ${reserveTokens}`);
  }

  const halfLifeMs = input.halfLifeMs ?? DEFAULTS.halfLifeMs;
  if (!(halfLifeMs > 0)) throw new ContextInputError('halfLifeMs', `must be > 0, got ${halfLifeMs}`);
  const dedupeThreshold = input.dedupeThreshold ?? DEFAULTS.dedupeThreshold;
  if (!(dedupeThreshold > 0 && dedupeThreshold <= 1)) {
    throw new ContextInputError('dedupeThreshold', `must be in (0, 1], got ${dedupeThreshold}`);
  }
  const minRelevance = input.minRelevance ?? DEFAULTS.minRelevance;
  if (!(minRelevance >= 0 && minRelevance <= 1)) throw new ContextInputError('minRelevance', `must be in [0, 1], got ${minRelevance}`);
  const compression = input.compression ?? DEFAULTS.compression;
  if (!COMPRESSION.includes(compression)) {
    throw new ContextInputError('compression', `must be one of ${COMPRESSION.join(', ')}, got ${compression}`);
  }
  const maxMemoryTokens = input.maxMemoryTokens ?? DEFAULTS.maxMemoryTokens;
  if (!Number.isSafeInteger(maxMemoryTokens) || maxMemoryTokens <= 0) {
    throw new ContextInputError('maxMemoryTokens', `must be a positive integer, got ${maxMemoryTokens}`);
  }
  const style = input.format?.style;
  if (style !== undefined && !STYLES.includes(style)) {
    throw new ContextInputError('format.style', `must be one of ${STYLES.join(', ')}, got ${style}`);
  }
  const recent = input.window?.recentTurns;
  if (recent !== undefined && !(Number.isSafeInteger(recent) && recent >= 0)) {
    throw new ContextInputError('window.recentTurns', `must be a non-negative integer, got ${recent}`);
  }
  const windowMax = input.window?.maxTokens;
  if (windowMax !== undefined && !(Number.isSafeInteger(windowMax) && windowMax >= 0)) {
    throw new ContextInputError('window.maxTokens', `must be a non-negative integer, got ${windowMax}`);
  }

  const seen = new Set<string>();
  input.candidates.forEach((c, i) => {
    if (seen.has(c.id)) throw new ContextInputError(`candidates[${i}].id`, `duplicate id "${c.id}"`);
    seen.add(c.id);
    if (!Number.isFinite(c.createdAt)) throw new ContextInputError(`candidates[${i}].createdAt`, 'must be a finite instant');
  });

  return { limit: tokenBudget - reserveTokens, halfLifeMs, dedupeThreshold, minRelevance, compression, maxMemoryTokens };
}

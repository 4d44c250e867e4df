// The default relevance floor belongs to the embedding model: models spread cosine similarity
// differently (a question and an unrelated turn score about 0.13 with MiniLM, 0.73 with e5), so
// one number cannot leave out the unrelated for all of them.
import type { EmbeddingConfig } from '../config/index.js';
import { isLocalModelName, type LocalModelName } from '../embedding/index.js';

/**
 * Per local model, the highest floor that leaves out at most 1.25% of LoCoMo dev question/evidence
 * pairs (`npx tsx bench/relevance-floor.ts --model NAME`); the share of unrelated pairs (a question
 * against another conversation's turns) it leaves out is in the comment.
 */
export const CALIBRATED_FLOORS: Readonly<Record<LocalModelName, number>> = {
  'all-MiniLM-L6-v2': 0.15, // 57% of unrelated pairs below
  'bge-small-en-v1.5': 0.46,
  'e5-small-v2': 0.75, // 85% of unrelated pairs below
};

/** The floor BuildContext applies when a request names none: 0 (none) for an uncalibrated remote model. */
export function defaultRelevanceFloor(embedding: EmbeddingConfig): number {
  return embedding.provider === 'local' && isLocalModelName(embedding.model) ? CALIBRATED_FLOORS[embedding.model] : 0;
}

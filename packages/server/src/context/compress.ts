// Extractive compression of one long memory: keep the sentences closest to the query, in their
// original order, with " … " where sentences were cut out.
import { lexicalSimilarity, splitSentences, termFrequencies } from './sentences.js';
import type { Tokenizer } from './tokenizers.js';
import type { EmbedSentences } from './types.js';
import { cosine } from './vectors.js';

const JOINT_ALLOWANCE = 2;

export interface CompressOptions {
  readonly tokenizer: Tokenizer;
  readonly maxTokens: number;
  readonly query: string;
  readonly embedSentences?: EmbedSentences;
  /** The query's embedding, computed once per request by the caller. */
  readonly queryVector?: () => Promise<Float32Array | undefined>;
}

export interface Compressed {
  readonly text: string;
  readonly compressed: boolean;
}

/** Meant for text already known to exceed `maxTokens`; returns it unchanged if every sentence fits. */
export async function compressToQuery(text: string, options: CompressOptions): Promise<Compressed> {
  const { tokenizer, maxTokens } = options;
  const sentences = splitSentences(text);
  if (sentences.length <= 1) return { text, compressed: false };

  const scores = await scoreSentences(sentences, options);
  // Best first; equal scores keep the earlier sentence (lead bias).
  const order = sentences.map((_, i) => i).sort((a, b) => scores[b]! - scores[a]! || a - b);
  // Greedy on per-sentence counts plus a 2-token allowance per joint (" … "), then one exact count
  // of the joined text: counting every trial whole made compression the packer's hottest path.
  const lengths = sentences.map((s) => tokenizer.count(s));
  const kept = new Set<number>();
  let estimate = 0;
  for (const i of order) {
    const next = estimate + lengths[i]! + (kept.size > 0 ? JOINT_ALLOWANCE : 0);
    if (next <= maxTokens) {
      kept.add(i);
      estimate = next;
    }
  }
  // Even the best sentence alone is over the cap: it is still far shorter than the whole memory.
  if (kept.size === 0) kept.add(order[0]!);
  // The allowance is not a proof: drop the weakest kept sentences until the exact count fits.
  const weakestFirst = order.filter((i) => kept.has(i)).reverse();
  for (const i of weakestFirst) {
    if (kept.size === 1 || tokenizer.count(joinKept(sentences, kept)) <= maxTokens) break;
    kept.delete(i);
  }
  if (kept.size === sentences.length) return { text, compressed: false };
  return { text: joinKept(sentences, kept), compressed: true };
}

export function joinKept(sentences: readonly string[], kept: ReadonlySet<number>): string {
  let out = '';
  let previous = -1;
  for (let i = 0; i < sentences.length; i++) {
    if (!kept.has(i)) continue;
    if (out !== '') out += i === previous + 1 ? ' ' : ' … ';
    out += sentences[i]!;
    previous = i;
  }
  return out;
}

async function scoreSentences(sentences: readonly string[], options: CompressOptions): Promise<number[]> {
  if (options.embedSentences !== undefined && options.queryVector !== undefined) {
    const query = await options.queryVector();
    if (query !== undefined) {
      const vectors = await options.embedSentences(sentences);
      return sentences.map((_, i) => {
        const v = vectors[i];
        return v === undefined ? 0 : cosine(v, query);
      });
    }
  }
  const query = termFrequencies(options.query);
  return sentences.map((s) => lexicalSimilarity(termFrequencies(s), query));
}

// Deterministic synthetic memory texts for latency benchmarks. Words are pronounceable
// pseudo-words drawn from a Zipf-like distribution whose head is flattened (weight 1/(rank+50)),
// so the most frequent word appears in a few percent of memories, as content words do in real
// text once stopwords are gone; a pure Zipf head would behave like a stopword that matches
// almost every memory and would not represent real keyword queries.
import { createRandom } from '../../src/index/synthetic-vectors.js';

const SYLLABLES = ['ka', 'lo', 'mi', 'ne', 'ru', 'ta', 'vi', 'so', 'pe', 'du', 'ga', 'fi', 'zo', 'be', 'xu', 'ha', 'qo', 'wy'];
const HEAD_FLATTENING = 50;

export interface SyntheticText {
  /** Memory text number i (the same i always gives the same text). */
  memory(i: number): string;
  /** A keyword-style query of 3-5 words drawn like memory words, with a question frame. */
  query(i: number): string;
  readonly vocabulary: number;
}

export function createSyntheticText(vocabulary = 20_000, seed = 7): SyntheticText {
  const words = Array.from({ length: vocabulary }, (_, r) => {
    let n = r;
    let word = '';
    do {
      word += SYLLABLES[n % SYLLABLES.length]!;
      n = Math.floor(n / SYLLABLES.length);
    } while (n > 0);
    return `${word}${SYLLABLES[(r * 7) % SYLLABLES.length]}`;
  });
  // Cumulative weights for inverse-CDF sampling.
  const cumulative = new Float64Array(vocabulary);
  let total = 0;
  for (let r = 0; r < vocabulary; r += 1) {
    total += 1 / (r + HEAD_FLATTENING);
    cumulative[r] = total;
  }
  const draw = (random: () => number): string => {
    const target = random() * total;
    let lo = 0;
    let hi = vocabulary - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (cumulative[mid]! < target) lo = mid + 1;
      else hi = mid;
    }
    return words[lo]!;
  };
  const sentence = (random: () => number, length: number): string => Array.from({ length }, () => draw(random)).join(' ');
  return {
    vocabulary,
    memory(i) {
      const random = createRandom(seed * 1_000_003 + i);
      return `${sentence(random, 10 + Math.floor(random() * 15))}.`;
    },
    query(i) {
      const random = createRandom(seed * 7_000_001 + i + 0x5bd1e995);
      return `What about ${sentence(random, 3 + Math.floor(random() * 3))}?`;
    },
  };
}

// The default, local summarizer: extractive. It keeps the most central sentences (closest to the
// centroid of all sentence embeddings) in their original order, under an exact token cap.
// Without an embedder it keeps lead sentences: every turn's first sentence, then second, ...
import { renderTurn } from './format.js';
import { splitSentences } from './sentences.js';
import type { Tokenizer } from './tokenizers.js';
import type { EmbedSentences, SummarizeRequest, Summarizer, Summary, Turn } from './types.js';
import { centroid, cosine } from './vectors.js';

export interface ExtractiveSummarizerDeps {
  readonly embedSentences?: EmbedSentences;
}

interface Unit {
  readonly turn: number;
  readonly index: number;
  readonly text: string;
}

/** After this many sentences in a row fail to fit, the summary is as full as it gets. */
const MAX_CONSECUTIVE_MISSES = 24;

export function createExtractiveSummarizer(deps: ExtractiveSummarizerDeps = {}): Summarizer {
  return {
    async summarize(request: SummarizeRequest): Promise<Summary> {
      const units = request.turns.flatMap((turn, t) => splitSentences(turn.content).map((text, index) => ({ turn: t, index, text })));
      if (units.length === 0 || request.maxTokens <= 0) return { text: '', method: 'extractive' };
      const order = await rankUnits(units, deps.embedSentences);
      return { text: fill(units, order, request.turns, request.tokenizer, request.maxTokens), method: 'extractive' };
    },
  };
}

async function rankUnits(units: readonly Unit[], embed: EmbedSentences | undefined): Promise<number[]> {
  const indices = units.map((_, i) => i);
  if (embed !== undefined && units.length > 1) {
    const vectors = await embed(units.map((u) => u.text));
    if (vectors.length === units.length) {
      const center = centroid(vectors);
      const score = vectors.map((v) => cosine(v, center));
      return indices.sort((a, b) => score[b]! - score[a]! || a - b);
    }
  }
  return indices.sort((a, b) => units[a]!.index - units[b]!.index || a - b);
}

/** Greedy by rank; every trial is the real assembled text, counted whole. */
function fill(units: readonly Unit[], order: readonly number[], turns: readonly Turn[], tokenizer: Tokenizer, maxTokens: number): string {
  const kept = new Set<number>();
  let text = '';
  let misses = 0;
  for (const u of order) {
    kept.add(u);
    const trial = assemble(units, kept, turns);
    if (tokenizer.count(trial) <= maxTokens) {
      text = trial;
      misses = 0;
    } else {
      kept.delete(u);
      if (kept.size > 0 && ++misses >= MAX_CONSECUTIVE_MISSES) break;
    }
  }
  return text;
}

/** One line per turn that kept a sentence: "role: s1 s2 … s5", turns and sentences in original order. */
export function assemble(units: readonly Unit[], kept: ReadonlySet<number>, turns: readonly Turn[]): string {
  const lines: string[] = [];
  let currentTurn = -1;
  let line = '';
  let previousIndex = -1;
  for (let i = 0; i < units.length; i++) {
    if (!kept.has(i)) continue;
    const u = units[i]!;
    if (u.turn !== currentTurn) {
      if (line !== '') lines.push(line);
      const turn = turns[u.turn]!;
      line = renderTurn({ ...turn, content: u.text });
      currentTurn = u.turn;
    } else {
      line += (u.index === previousIndex + 1 ? ' ' : ' … ') + u.text;
    }
    previousIndex = u.index;
  }
  if (line !== '') lines.push(line);
  return lines.join('\n');
}

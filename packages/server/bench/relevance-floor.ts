// Calibrates BuildContext's default relevance floor for one embedding model on the LoCoMo dev
// conversations: the cosine similarity of each question to its evidence turns (what the floor must
// keep) against questions paired with turns of a different conversation (what it should leave out).
// The floor is the highest multiple of 0.01 that leaves out at most EVIDENCE_LOSS of evidence pairs.
//
// Usage: npx tsx bench/relevance-floor.ts [--model NAME] [--data DIR]
//   --data   conversations directory (default $CORTEX_EVAL_DATA or ../../../shared/eval/locomo-dev)
//   --model  a local embedding model (default $CORTEX_EMBEDDING_MODEL, else the server's default)
// Prints one JSON document on stdout.
import { resolve } from 'node:path';
import winston from 'winston';
import { createOnnxEmbedder, isLocalModelName } from '../src/embedding/index.js';
import { TEST_MODEL } from '../test/harness.js';
import { option, percentile, progress, round } from './lib/cli.js';
import { loadConversations, turnContent } from './lib/locomo.js';

/** The share of question/evidence pairs the default floor may leave out. */
const EVIDENCE_LOSS = 0.0125;
/** Turns of the next conversation each question is paired with, as unrelated text. */
const UNRELATED_TURNS = 200;

const model = option('model', TEST_MODEL);
if (!isLocalModelName(model)) throw new Error(`--model must name a local embedding model, got ${model}`);
const dataDir = resolve(
  option('data', process.env.CORTEX_EVAL_DATA ?? resolve(import.meta.dirname, '..', '..', '..', '..', 'shared', 'eval', 'locomo-dev')),
);
const modelDir = resolve(import.meta.dirname, '..', '..', '..', 'models', model);

const dot = (a: Float32Array, b: Float32Array): number => a.reduce((s, x, i) => s + x * b[i]!, 0);
const below = (sorted: readonly number[], floor: number): number => sorted.filter((x) => x < floor).length / sorted.length;

const embedder = await createOnnxEmbedder({ modelDir, model, logger: winston.createLogger({ silent: true }) });
const conversations = loadConversations(dataDir);
const turnVectors = [];
for (const c of conversations) {
  progress(`[${c.name}] embedding ${c.turns.length} turns`);
  turnVectors.push(await embedder.embed(c.turns.map((t) => turnContent(t, 'speaker')), 'document'));
}
const evidence: number[] = [];
const unrelated: number[] = [];
for (const [ci, c] of conversations.entries()) {
  const turns = turnVectors[ci]!;
  const other = turnVectors[(ci + 1) % conversations.length]!.slice(0, UNRELATED_TURNS);
  const questions = await embedder.embed(c.questions.map((q) => q.question), 'query');
  c.questions.forEach((q, qi) => {
    const ids = new Set(q.evidence);
    c.turns.forEach((t, ti) => { if (ids.has(t.id)) evidence.push(dot(questions[qi]!, turns[ti]!)); });
    for (const v of other) unrelated.push(dot(questions[qi]!, v));
  });
}
await embedder.close();

evidence.sort((a, b) => a - b);
unrelated.sort((a, b) => a - b);
let floor = 0;
while (below(evidence, round(floor + 0.01, 2)) <= EVIDENCE_LOSS) floor = round(floor + 0.01, 2);
const quantiles = (xs: readonly number[]) => Object.fromEntries([0.01, 0.05, 0.25, 0.5, 0.75, 0.95].map((p) => [`p${p * 100}`, round(percentile(xs, p))]));
console.log(JSON.stringify({
  benchmark: 'relevance-floor',
  model,
  data: { dir: dataDir, conversations: conversations.map((c) => c.name), evidencePairs: evidence.length, unrelatedPairs: unrelated.length },
  evidence: quantiles(evidence),
  unrelated: quantiles(unrelated),
  floor,
  evidenceBelowFloor: round(below(evidence, floor)),
  unrelatedBelowFloor: round(below(unrelated, floor)),
}, null, 2));

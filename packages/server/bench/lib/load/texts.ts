// What the load benchmark says and stores: the LoCoMo dev conversations (real dialogue turns of
// 10-40 tokens and real questions about them). "New" texts are made distinct per call by a
// numbered suffix, so the server's embedding cache cannot answer them and the model runs.
import { join } from 'node:path';
import { loadConversations, turnContent } from '../locomo.js';

/** As bench/eval-locomo.ts: $CORTEX_EVAL_DATA, else shared/ beside the checkout. */
export const LOCOMO_DIR = process.env.CORTEX_EVAL_DATA ?? join(import.meta.dirname, '..', '..', '..', '..', '..', '..', 'shared', 'eval', 'locomo-dev');

export interface LoadTexts {
  /** Every question of the data set: the fixed query set, embedded once and then cached. */
  readonly questions: readonly string[];
  /** Every dialogue turn as stored (speaker-prefixed, with a shared photo's caption). */
  readonly turns: readonly string[];
  /** A question never asked before (distinct for every i). */
  newQuery(i: number): string;
  /** A memory text never stored before (distinct for every i). */
  newMemory(i: number): string;
}

export function loadTexts(dir: string = LOCOMO_DIR): LoadTexts {
  const conversations = loadConversations(dir);
  const questions = conversations.flatMap((c) => c.questions.map((q) => q.question));
  const turns = conversations.flatMap((c) => c.turns.map((t) => turnContent(t, 'speaker')));
  if (questions.length === 0 || turns.length === 0) throw new Error(`no LoCoMo conversations in ${dir}`);
  return {
    questions,
    turns,
    newQuery: (i) => `${questions[i % questions.length]!} (asked as #${i})`,
    newMemory: (i) => `${turns[i % turns.length]!} (noted as #${i})`,
  };
}

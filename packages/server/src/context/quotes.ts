// How an extractive summary reads: one line per quoted turn, "speaker: sentence … sentence" with
// " … " where sentences of the turn were left out, turns in their original order, under a
// "8 May 2023:" line wherever the date changes (turns without a time get no date line; this form
// costs a third fewer tokens than ISO dates, and dates add up in a summary of many sessions). Also the
// token cost of adding one more quote, estimated from per-sentence counts, since counting every
// trial summary whole would cost as much as the rest of BuildContext.
import type { Tokenizer } from './tokenizers.js';
import type { Turn } from './types.js';

/** One sentence of a turn: the unit a summary quotes. */
export interface Quote {
  /** Index of its turn in the summarized turns. */
  readonly turn: number;
  /** Its position among its turn's sentences. */
  readonly index: number;
  readonly text: string;
  /** Its content words (sentences.ts contentTerms), computed once. */
  readonly terms: readonly string[];
}

const GAP = ' … ';

const DAY = new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' });

export function dateLine(turn: Turn): string | undefined {
  if (turn.at === undefined) return undefined;
  const date = new Date(turn.at);
  return Number.isNaN(date.getTime()) ? undefined : `${DAY.format(date)}:`;
}

/** The summary text quoting the units whose indexes are in `kept`. */
export function renderQuotes(units: readonly Quote[], kept: ReadonlySet<number>, turns: readonly Turn[]): string {
  const lines: string[] = [];
  let date: string | undefined;
  let line = '';
  let turnOfLine = -1;
  let previousIndex = -1;
  for (let i = 0; i < units.length; i++) {
    if (!kept.has(i)) continue;
    const u = units[i]!;
    if (u.turn === turnOfLine) {
      line += (u.index === previousIndex + 1 ? ' ' : GAP) + u.text;
    } else {
      if (line !== '') lines.push(line);
      const turn = turns[u.turn]!;
      const day = dateLine(turn);
      if (day !== undefined && day !== date) {
        lines.push(day);
        date = day;
      }
      line = `${turn.role}: ${u.index === 0 ? '' : GAP.trimStart()}${u.text}`;
      turnOfLine = u.turn;
    }
    previousIndex = u.index;
  }
  if (line !== '') lines.push(line);
  return lines.join('\n');
}

/** Estimated tokens of a growing set of quotes; exact counts of the whole text settle the rest. */
export interface QuoteCosts {
  /** What adding unit `i` would cost now. */
  costOf(i: number): number;
  add(i: number): void;
  remove(i: number): void;
  readonly total: number;
}

/** A sentence joined to its turn's line costs its own tokens plus about this much for the joint. */
const JOINT = 2;

export function createQuoteCosts(units: readonly Quote[], turns: readonly Turn[], tokenizer: Tokenizer): QuoteCosts {
  const sentenceTokens = new Map<number, number>();
  const lineOverhead = new Map<string, number>();
  const counted = (cache: Map<string, number>, text: string): number => {
    let n = cache.get(text);
    if (n === undefined) {
      n = tokenizer.count(text);
      cache.set(text, n);
    }
    return n;
  };
  const quotesPerTurn = new Map<number, number>();
  const quotesPerDate = new Map<string, number>();
  let total = 0;

  const costOf = (i: number): number => {
    let cost = sentenceTokens.get(i);
    if (cost === undefined) {
      cost = tokenizer.count(units[i]!.text);
      sentenceTokens.set(i, cost);
    }
    const u = units[i]!;
    if ((quotesPerTurn.get(u.turn) ?? 0) > 0) return cost + JOINT;
    const turn = turns[u.turn]!;
    // A new line: the speaker prefix, the line break, a " … " when it starts mid-turn, and maybe a date line.
    cost += counted(lineOverhead, `${turn.role}:`) + 1 + (u.index === 0 ? 0 : JOINT);
    const day = dateLine(turn);
    if (day !== undefined && (quotesPerDate.get(day) ?? 0) === 0) cost += counted(lineOverhead, day) + 1;
    return cost;
  };
  return {
    costOf,
    add(i) {
      total += costOf(i);
      const turn = units[i]!.turn;
      increment(quotesPerTurn, turn, 1);
      const day = dateLine(turns[turn]!);
      if (day !== undefined) increment(quotesPerDate, day, 1);
    },
    remove(i) {
      const turn = units[i]!.turn;
      increment(quotesPerTurn, turn, -1);
      const day = dateLine(turns[turn]!);
      if (day !== undefined) increment(quotesPerDate, day, -1);
      total -= costOf(i);
    },
    get total() {
      return total;
    },
  };
}

function increment<K>(map: Map<K, number>, key: K, by: number): void {
  map.set(key, (map.get(key) ?? 0) + by);
}

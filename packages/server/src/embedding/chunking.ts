export interface ChunkOptions {
  /** Budget for a chunk's own tokens (the model's window minus its special tokens). */
  readonly maxTokens: number;
  /** Tokens repeated from the end of one chunk at the start of the next, so no idea is cut in two. */
  readonly overlapTokens: number;
  /** Tokens of a piece of text without special tokens. */
  readonly countTokens: (text: string) => number;
}

interface Unit {
  readonly start: number;
  readonly end: number;
  readonly tokens: number;
  /** The text may be cut after this unit without splitting a sentence. */
  readonly sentenceEnd: boolean;
}

// A word that ends a sentence: terminal punctuation, possibly inside closing quotes or brackets.
const SENTENCE_END = /[.!?…。！？]["'”’)\]]*$/u;

export interface ChunkSpan {
  /** UTF-16 offsets into the text, end exclusive. */
  readonly start: number;
  readonly end: number;
}

/**
 * Splits text into slices of itself, each within maxTokens, that together cover every word.
 * BERT's pre-tokenizer splits on whitespace, so tokens of whitespace-joined words add up and
 * each word is counted once; only the rare word longer than a chunk is cut inside.
 */
export function chunkText(text: string, options: ChunkOptions): string[] {
  return chunkSpans(text, options).map((span) => text.slice(span.start, span.end));
}

/** Where chunkText cuts: spans in order, each starting after the previous one's start. */
export function chunkSpans(text: string, options: ChunkOptions): ChunkSpan[] {
  const { maxTokens, overlapTokens, countTokens } = options;
  if (maxTokens < 1) throw new RangeError('maxTokens must be at least 1');
  const units = toUnits(text, maxTokens, countTokens);
  const spans: ChunkSpan[] = [];
  if (units.length === 0) return spans;

  const span = (from: number, to: number): ChunkSpan => ({ start: at(units, from).start, end: at(units, to - 1).end });
  let from = 0;
  for (;;) {
    let to = from;
    let used = 0;
    while (to < units.length && used + at(units, to).tokens <= maxTokens) {
      used += at(units, to).tokens;
      to += 1;
    }
    if (to < units.length) to = preferSentenceBreak(units, from, to, maxTokens);
    // A word cut in two is re-tokenised as one piece and may count differently: verify, shrink.
    while (to - from > 1) {
      const { start, end } = span(from, to);
      if (countTokens(text.slice(start, end)) <= maxTokens) break;
      to -= 1;
    }
    spans.push(span(from, to));
    if (to >= units.length) return spans;
    from = overlapStart(units, from, to, overlapTokens);
  }
}

function at(units: readonly Unit[], i: number): Unit {
  const unit = units[i];
  if (unit === undefined) throw new RangeError(`unit ${i} out of range`);
  return unit;
}

/** Ends the chunk at the last sentence end, unless that would leave it less than half full. */
function preferSentenceBreak(units: readonly Unit[], from: number, to: number, maxTokens: number): number {
  let used = 0;
  let best = to;
  for (let i = from; i < to; i += 1) {
    used += at(units, i).tokens;
    if (at(units, i).sentenceEnd && used >= maxTokens / 2) best = i + 1;
  }
  return best;
}

/** Steps back from `to` by up to overlapTokens, always moving forward from `from`. */
function overlapStart(units: readonly Unit[], from: number, to: number, overlapTokens: number): number {
  let start = to;
  let carried = 0;
  while (start - 1 > from && carried + at(units, start - 1).tokens <= overlapTokens) {
    start -= 1;
    carried += at(units, start).tokens;
  }
  return start;
}

function toUnits(text: string, maxTokens: number, countTokens: (text: string) => number): Unit[] {
  const counts = new Map<string, number>();
  const count = (piece: string): number => {
    let n = counts.get(piece);
    if (n === undefined) {
      n = countTokens(piece);
      counts.set(piece, n);
    }
    return n;
  };
  const words = Array.from(text.matchAll(/\S+/gu), (m) => ({ word: m[0], start: m.index }));
  const units: Unit[] = [];
  words.forEach(({ word, start }, i) => {
    const end = start + word.length;
    const nextStart = words[i + 1]?.start ?? text.length;
    // A line break is a boundary too: lists, headings and log lines rarely end in a full stop.
    const sentenceEnd = SENTENCE_END.test(word) || text.slice(end, nextStart).includes('\n');
    const tokens = count(word);
    if (tokens <= maxTokens) {
      units.push({ start, end, tokens, sentenceEnd });
    } else {
      // Probes go straight to the tokenizer: caching them would hold on to many large strings.
      units.push(...splitWord(word, start, maxTokens, countTokens, sentenceEnd));
    }
  });
  return units;
}

/** Cuts an over-long word (a URL, code, unspaced CJK) into the longest prefixes that fit. */
function splitWord(
  word: string,
  offset: number,
  maxTokens: number,
  count: (text: string) => number,
  sentenceEnd: boolean,
): Unit[] {
  const chars = Array.from(word);
  const units: Unit[] = [];
  let i = 0;
  let pos = offset;
  while (i < chars.length) {
    const rest = chars.length - i;
    const fits = (length: number): boolean => count(chars.slice(i, i + length).join('')) <= maxTokens;
    // Grow the piece by doubling, then bisect: each probe only tokenises about one chunk of text,
    // so a megabyte without spaces costs linear time, not quadratic. Token counts grow with length
    // (near enough; chunkText re-checks every chunk).
    let lo = 0;
    let hi = Math.min(rest, maxTokens);
    while (fits(hi)) {
      lo = hi;
      if (hi === rest) break;
      hi = Math.min(rest, hi * 2);
    }
    while (hi - lo > 1) {
      const mid = Math.floor((lo + hi) / 2);
      if (fits(mid)) lo = mid;
      else hi = mid;
    }
    lo = Math.max(lo, 1);
    const piece = chars.slice(i, i + lo).join('');
    i += lo;
    units.push({ start: pos, end: pos + piece.length, tokens: count(piece), sentenceEnd: sentenceEnd && i === chars.length });
    pos += piece.length;
  }
  return units;
}

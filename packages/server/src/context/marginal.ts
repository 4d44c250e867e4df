// Exact marginal token cost of appending a section, from short counts instead of the whole text.
//
// Every section starts a line with a non-space character, and that position is a token boundary
// for every tokenizer here: the regex pre-tokenizers (tiktoken, Llama 3, Claude) never continue a
// chunk across a newline into a non-space character, and SentencePiece (Llama 2, Mistral) never
// merges across its newline byte token. So with L the last section, S the new one, sep the
// separator and J what follows the sections (closing tag, next heading):
//   count(… L sep S J …) − count(… L J …) = count(L sep ▸) + count(S J) − count(L J)
// where "count(L sep ▸)" counts L + sep followed by some non-space line (GPT-2-style patterns split
// a trailing "\n\n" differently at the very end of a text: `\s+(?!\S)`). Pieces are counted behind a
// "\n" so SentencePiece does not add the dummy prefix space it never adds inside the text.
import type { Layout } from './format.js';
import type { Tokenizer } from './tokenizers.js';

/** Any non-space character: stands in for "the next line" when measuring a separator. */
const SENTINEL = 'x';

export interface MeasuredSection {
  readonly section: string;
  /** count(section + J) as inside the text. */
  readonly withJunction: number;
}

export interface SectionMeter {
  /** Tokens of the section with what follows it, as counted inside the text. */
  measure(section: string): number;
  /** Roughly the section's own tokens (for the "too long, compress it" decision). */
  ownTokens(withJunction: number): number;
  /** count(L sep ▸) for a section about to become the last one. */
  withSeparator(last: MeasuredSection): number;
  /** Exact cost of appending `next` after `last`, or undefined when the boundary argument does not apply. */
  appendCost(last: MeasuredSection, lastWithSeparator: number, next: MeasuredSection): number | undefined;
}

export function createSectionMeter(tokenizer: Tokenizer, layout: Layout, historyBlocks: readonly string[]): SectionMeter {
  const junction = layout.junctionAfterSections(historyBlocks);
  const newlineTokens = tokenizer.count('\n');
  const piece = (text: string): number => tokenizer.count(`\n${text}`) - newlineTokens;
  const junctionTokens = piece(junction);
  // When J is separator + a non-space line, count(L sep ▸) falls out of count(L J) for free.
  const rest = junction.startsWith(layout.separator) ? junction.slice(layout.separator.length) : '';
  const follower = startsLine(rest) ? rest : SENTINEL;
  const followerTokens = piece(follower);

  return {
    measure: (section) => piece(section + junction),
    ownTokens: (withJunction) => withJunction - junctionTokens,
    withSeparator: (last) =>
      follower === rest ? last.withJunction - followerTokens : piece(last.section + layout.separator + follower) - followerTokens,
    appendCost(last, lastWithSeparator, next) {
      // Only an empty memory in the plain style breaks the premise.
      if (!startsLine(last.section) || !startsLine(next.section)) return undefined;
      return lastWithSeparator + next.withJunction - last.withJunction;
    },
  };
}

function startsLine(text: string): boolean {
  return /^\S/u.test(text);
}

// Which memory repeats which history turn, so the context carries each once. An agent that
// remembers its conversation stores a turn's text, often as "speaker: text"; both forms match,
// after folding case, width and whitespace.
import { normalizeText } from './sentences.js';
import type { Turn } from './types.js';

/** "name: " at the start of a remembered turn. */
const SPEAKER_PREFIX = /^[^:\n]{1,64}:\s*/u;

/** The index in `turns` of the turn a memory's content repeats, if any. */
export type TurnMatcher = (content: string) => number | undefined;

export function createTurnMatcher(turns: readonly Turn[]): TurnMatcher {
  const byText = new Map<string, number>();
  turns.forEach((turn, i) => {
    const text = normalizeText(turn.content);
    if (text === '') return;
    byText.set(text, i);
    byText.set(normalizeText(`${turn.role}: ${turn.content}`), i);
  });
  return (content) => {
    if (byText.size === 0) return undefined;
    const text = normalizeText(content);
    return byText.get(text) ?? byText.get(text.replace(SPEAKER_PREFIX, ''));
  };
}

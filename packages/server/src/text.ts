/**
 * What "empty" means for text a user gives Cortex (memory content, queries, required names):
 * nothing left once white space, control characters (NUL included) and the characters Unicode
 * says render as nothing are removed: format characters such as U+200B ZERO WIDTH SPACE and
 * U+FEFF, and the other default-ignorable code points, e.g. U+3164 HANGUL FILLER. Such text
 * embeds and indexes as noise and shows as blank, so it is refused like the empty string.
 */
const VISIBLE = /[^\p{White_Space}\p{Cc}\p{Cf}\p{Default_Ignorable_Code_Point}]/u;

export function isBlank(text: string): boolean {
  return !VISIBLE.test(text);
}

/** The rule as error messages state it. */
export const BLANK_RULE = 'must contain a visible character, not only white space, control or zero-width characters';

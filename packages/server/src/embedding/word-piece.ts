import { Tokenizer as UntypedTokenizer } from '@huggingface/tokenizers';

/**
 * The part of tokenizers.js used here. Its bundled .d.ts files import each other without file extensions,
 * which NodeNext resolution rejects, so the package's own types arrive as `any`.
 */
interface Tokenizer {
  encode(text: string, options?: { add_special_tokens?: boolean }): { ids: number[] };
}
const Tokenizer = UntypedTokenizer as new (tokenizerJson: object, tokenizerConfig: object) => Tokenizer;

export interface WordPiece {
  /** Token ids with [CLS]/[SEP], cut to maxTokens while keeping the closing [SEP]. */
  encode(text: string): number[];
  /** Tokens of text with its special tokens, untruncated. */
  countTokens(text: string): number;
  /** Tokens of text alone: what a piece adds when joined to others with whitespace. */
  countContentTokens(text: string): number;
}

export function createWordPiece(tokenizerJson: object, tokenizerConfig: object, maxTokens: number): WordPiece {
  const tokenizer = new Tokenizer(tokenizerJson, tokenizerConfig);
  // tokenizer.json carries its own truncation/padding (128) settings; tokenizers.js ignores them,
  // and the model's window is enforced here instead.
  const empty = tokenizer.encode('').ids;
  const last = empty[empty.length - 1];
  if (empty.length !== 2 || last === undefined) {
    throw new Error(`expected a [CLS] text [SEP] template, got ${empty.length} special tokens`);
  }
  const closing = last;

  return {
    encode(text) {
      const ids = tokenizer.encode(text).ids;
      if (ids.length <= maxTokens) return ids;
      const cut = ids.slice(0, maxTokens - 1);
      cut.push(closing);
      return cut;
    },
    countTokens(text) {
      return tokenizer.encode(text).ids.length;
    },
    countContentTokens(text) {
      return tokenizer.encode(text, { add_special_tokens: false }).ids.length;
    },
  };
}

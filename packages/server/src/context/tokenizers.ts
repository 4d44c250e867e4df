// Model name → exact token counter. Encoders load on first use and are kept by the registry
// (never at module level); tiktoken encoders hold WASM memory, which close() frees.
//
// How each library counts, and the choice made here: `count(text)` is the number of tokens the
// text costs inside a prompt, WITHOUT BOS/EOS, because a packed context is one part of a larger
// prompt and the model adds its start token once per request, not once per block.
//   - OpenAI (@dqbd/tiktoken): encode_ordinary(text). tiktoken adds no BOS; `encode(text)` would
//     throw on text containing "<|endoftext|>", while the API treats user text as ordinary text.
//   - Llama 3 (llama3-tokenizer-js): encode(text, { bos: false, eos: false }); its default adds
//     both <|begin_of_text|> and <|end_of_text|> (+2). Special-token strings in the text are
//     parsed as special tokens, as the library does.
//   - Llama 2 (llama-tokenizer-js) and Mistral (mistral-tokenizer-js): encode(text, false), keeping
//     the SentencePiece dummy prefix space (the library default); their default adds <s> (+1),
//     except for "" where both return [].
//   - Claude (@anthropic-ai/tokenizer): exactly countTokens(text), i.e. NFKC-normalise then
//     encode with all special tokens allowed, on one reused encoder instead of one per call.
import { createRequire } from 'node:module';
import { LRUCache } from 'lru-cache';
import type * as AnthropicTokenizer from '@anthropic-ai/tokenizer';
import type * as Tiktoken from '@dqbd/tiktoken';
import type * as Llama2 from 'llama-tokenizer-js';
import type * as Llama3 from 'llama3-tokenizer-js';
import type * as Mistral from 'mistral-tokenizer-js';
import { TokenizerClosedError, UnknownModelError } from './errors.js';
import { describeKnownModels, matchModel, MODEL_RULES } from './model-table.js';
import type { EncodingId, ModelRule, TokenizerFamily } from './model-table.js';

export interface Tokenizer {
  /** The encoding, e.g. "o200k_base", "llama3", "claude". */
  readonly name: EncodingId;
  readonly family: TokenizerFamily;
  /** True when counts only approximate the model's real tokenizer (Claude 3+, newer Mistral). */
  readonly estimate: boolean;
  count(text: string): number;
}

export interface TokenizerRegistry {
  /** @throws UnknownModelError listing the known names. */
  resolve(model: string): Tokenizer;
  knownModels(): string[];
  /** Frees WASM encoders; tokenizers resolved earlier throw TokenizerClosedError afterwards. */
  close(): void;
}

type Counter = (text: string) => number;
interface LoadedEncoding {
  readonly count: Counter;
  readonly free: () => void;
}
/** The pure-JavaScript tokenizers hold no WASM memory. */
const nothingToFree = (): void => undefined;

// Loading is lazy and synchronous: require() is the only synchronous loader, and for the three
// ESM-only packages it relies on require(esm), unflagged since Node 20.19 / 22.12. The Llama 3
// module alone costs ~250 ms and ~90 MB on import, so nothing is loaded before it is needed.
const require = createRequire(import.meta.url);

function loadEncoding(id: EncodingId): LoadedEncoding {
  switch (id) {
    case 'o200k_base':
    case 'cl100k_base': {
      const encoder = (require('@dqbd/tiktoken') as typeof Tiktoken).get_encoding(id);
      return { count: (text) => encoder.encode_ordinary(text).length, free: () => encoder.free() };
    }
    case 'claude': {
      const encoder = (require('@anthropic-ai/tokenizer') as typeof AnthropicTokenizer).getTokenizer();
      return { count: (text) => encoder.encode(text.normalize('NFKC'), 'all').length, free: () => encoder.free() };
    }
    case 'llama3': {
      const tokenizer = (require('llama3-tokenizer-js') as typeof Llama3).default;
      return { count: (text) => tokenizer.encode(text, { bos: false, eos: false }).length, free: nothingToFree };
    }
    case 'llama2': {
      const tokenizer = (require('llama-tokenizer-js') as typeof Llama2).default;
      return { count: (text) => tokenizer.encode(text, false).length, free: nothingToFree };
    }
    case 'mistral': {
      const tokenizer = (require('mistral-tokenizer-js') as typeof Mistral).default;
      return {
        count: (text) => {
          const ids = tokenizer.encode(text, false);
          if (ids === undefined) throw new Error('mistral-tokenizer-js failed to initialise its vocabulary');
          return ids.length;
        },
        free: nothingToFree,
      };
    }
  }
}

export interface TokenizerRegistryOptions {
  /** Replaces the built-in table (tests, or a deployment pinning its own model list). */
  readonly rules?: readonly ModelRule[];
  /** Characters of text whose counts each encoding remembers (default 8M, ~16 MB); 0 turns it off. */
  readonly countCacheChars?: number;
}

/**
 * Texts longer than this are not remembered: a whole packed context is counted once and never again,
 * while memory sections and summary sentences come back call after call.
 */
const MAX_CACHED_TEXT = 8192;
const DEFAULT_COUNT_CACHE_CHARS = 8_000_000;

/**
 * Counts of recently counted texts, so a memory recalled again, or a history sentence seen on the
 * last call, is not tokenized again: the pure-JavaScript SentencePiece tokenizers (Llama 2,
 * Mistral) count ~2 MB/s, the bulk of BuildContext otherwise.
 */
function remembering(count: Counter, maxChars: number): Counter {
  if (maxChars <= 0) return count;
  const cache = new LRUCache<string, number>({ maxSize: maxChars, sizeCalculation: (_value, key) => Math.max(1, key.length) });
  return (text) => {
    if (text.length > MAX_CACHED_TEXT) return count(text);
    let n = cache.get(text);
    if (n === undefined) {
      n = count(text);
      cache.set(text, n);
    }
    return n;
  };
}

export function createTokenizerRegistry(options: TokenizerRegistryOptions = {}): TokenizerRegistry {
  const rules = options.rules ?? MODEL_RULES;
  const cacheChars = options.countCacheChars ?? DEFAULT_COUNT_CACHE_CHARS;
  const loaded = new Map<EncodingId, LoadedEncoding>();
  const tokenizers = new Map<string, Tokenizer>();
  let closed = false;

  const encoding = (id: EncodingId): LoadedEncoding => {
    if (closed) throw new TokenizerClosedError(id);
    let enc = loaded.get(id);
    if (enc === undefined) {
      const raw = loadEncoding(id);
      enc = { count: remembering(raw.count, cacheChars), free: raw.free };
      loaded.set(id, enc);
    }
    return enc;
  };

  return {
    resolve(model) {
      const match = matchModel(model, rules);
      if (match === undefined) throw new UnknownModelError(model, describeKnownModels(rules));
      const key = `${match.encoding}/${match.estimate}`;
      let tokenizer = tokenizers.get(key);
      if (tokenizer === undefined) {
        const id = match.encoding;
        tokenizer = {
          name: id,
          family: match.family,
          estimate: match.estimate,
          count: (text) => encoding(id).count(text),
        };
        tokenizers.set(key, tokenizer);
      }
      // Load now so a broken install fails at resolve time, not in the middle of packing.
      encoding(match.encoding);
      return tokenizer;
    },
    knownModels: () => describeKnownModels(rules),
    close() {
      closed = true;
      for (const enc of loaded.values()) enc.free();
      loaded.clear();
    },
  };
}

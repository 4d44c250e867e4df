import { countTokens as claudeCountTokens } from '@anthropic-ai/tokenizer';
import { get_encoding, get_encoding_name_for_model } from '@dqbd/tiktoken';
import type { TiktokenModel } from '@dqbd/tiktoken';
import { expect } from 'chai';
import fc from 'fast-check';
import llama2 from 'llama-tokenizer-js';
import llama3 from 'llama3-tokenizer-js';
import mistral from 'mistral-tokenizer-js';
import { CortexError } from '../errors.js';
import { TokenizerClosedError, UnknownModelError } from './errors.js';
import { MODEL_RULES } from './model-table.js';
import { createTokenizerRegistry } from './tokenizers.js';
import type { TokenizerRegistry } from './tokenizers.js';

const SAMPLES = [
  '',
  'a',
  'Hello, world!',
  'The quick brown fox jumps over the lazy dog.\n\nSecond paragraph\twith\ttabs.',
  'Emoji 👍🏽👨‍👩‍👧‍👦 and CJK 日本語のテキスト, Arabic مرحبا, Hindi नमस्ते',
  'Fullwidth ＡＢＣ１２３ and ligature ﬁ (NFKC changes these)',
  'A ridiculously long word: ' + 'pneumonoultramicroscopicsilicovolcanoconiosis'.repeat(20),
  'Special-looking strings: <|endoftext|> <|begin_of_text|> <s> </s> [INST]',
  '   leading and trailing spaces   ',
  'function f(x) {\n  return x * 2; // code\n}',
];

describe('tokenizer registry', () => {
  let registry: TokenizerRegistry;
  before(() => {
    registry = createTokenizerRegistry();
  });
  after(() => registry.close());

  it('maps every model family to its tokenizer, by exact name and by prefix, case-insensitively', () => {
    const expected: Array<[string, string, string]> = [
      ['gpt-4o', 'o200k_base', 'openai'],
      ['gpt-4o-mini', 'o200k_base', 'openai'],
      ['GPT-4o-2024-08-06', 'o200k_base', 'openai'],
      ['o1', 'o200k_base', 'openai'],
      ['o3', 'o200k_base', 'openai'],
      ['o4-mini', 'o200k_base', 'openai'],
      ['gpt-4.1-nano', 'o200k_base', 'openai'],
      ['gpt-5', 'o200k_base', 'openai'],
      ['gpt-4', 'cl100k_base', 'openai'],
      ['gpt-4-turbo', 'cl100k_base', 'openai'],
      ['gpt-4-0613', 'cl100k_base', 'openai'],
      ['gpt-3.5-turbo', 'cl100k_base', 'openai'],
      ['text-embedding-3-small', 'cl100k_base', 'openai'],
      ['llama-3.1-8b-instruct', 'llama3', 'llama3'],
      ['llama3-70b', 'llama3', 'llama3'],
      ['meta-llama/Llama-3.2-1B', 'llama3', 'llama3'],
      ['llama-2-13b-chat', 'llama2', 'llama2'],
      ['mistral-7b-instruct-v0.2', 'mistral', 'mistral'],
      ['mixtral-8x7b-instruct', 'mistral', 'mistral'],
      ['claude-3-5-sonnet-20241022', 'claude', 'claude'],
      ['claude-2.1', 'claude', 'claude'],
    ];
    for (const [model, name, family] of expected) {
      const t = registry.resolve(model);
      expect([model, t.name, t.family]).to.deep.equal([model, name, family]);
    }
  });

  it('agrees with tiktoken on the encoding of every OpenAI model tiktoken knows', () => {
    for (const rule of MODEL_RULES.filter((r) => r.family === 'openai' && !r.prefix)) {
      let name: string;
      try {
        name = get_encoding_name_for_model(rule.pattern as TiktokenModel);
      } catch {
        continue; // newer than this tiktoken release
      }
      expect([rule.pattern, registry.resolve(rule.pattern).name]).to.deep.equal([rule.pattern, name]);
    }
  });

  it('flags Claude 3+ and newer Mistral models as estimates, and exact tokenizers as not', () => {
    expect(registry.resolve('claude-3-5-sonnet-latest').estimate).to.equal(true);
    expect(registry.resolve('claude-sonnet-4-5').estimate).to.equal(true);
    expect(registry.resolve('claude-2.1').estimate).to.equal(false);
    expect(registry.resolve('mistral-large-latest').estimate).to.equal(true);
    expect(registry.resolve('mistral-7b-instruct').estimate).to.equal(false);
    for (const m of ['gpt-4o', 'gpt-4', 'llama-3-8b', 'llama-2-7b']) expect(registry.resolve(m).estimate, m).to.equal(false);
  });

  it('rejects an unknown model with an error listing the known names', () => {
    let error: unknown;
    try {
      registry.resolve('gemini-1.5-pro');
    } catch (e) {
      error = e;
    }
    expect(error).to.be.instanceOf(UnknownModelError);
    const unknown = error as UnknownModelError;
    expect(unknown.knownModels).to.include.members(['gpt-4o', 'gpt-4', 'claude-*', 'llama-3*', 'llama-2*', 'mistral*']);
    expect(unknown.knownModels).to.deep.equal(registry.knownModels());
    expect(unknown.message).to.contain('gemini-1.5-pro').and.to.contain('gpt-4o');
    // It is the server's one error type, so the rpc layer maps it to INVALID_ARGUMENT.
    expect(unknown).to.be.instanceOf(CortexError);
    expect(unknown.kind).to.equal('INVALID_ARGUMENT');
    expect(unknown.fieldViolations[0]?.field).to.equal('model');
    expect(() => registry.resolve('')).to.throw(UnknownModelError);
  });

  it('counts OpenAI text as tiktoken does, treating special-token strings as plain text', () => {
    for (const [model, encoding] of [['gpt-4o', 'o200k_base'], ['gpt-4', 'cl100k_base']] as const) {
      const enc = get_encoding(encoding);
      const t = registry.resolve(model);
      for (const s of SAMPLES) {
        expect(t.count(s), `${model} ${JSON.stringify(s)}`).to.equal(enc.encode_ordinary(s).length);
        if (!s.includes('<|')) expect(t.count(s)).to.equal(enc.encode(s).length);
      }
      enc.free();
    }
  });

  it('counts Llama 3 text as llama3-tokenizer-js does, without its BOS/EOS', () => {
    const t = registry.resolve('llama-3-8b');
    for (const s of SAMPLES) {
      expect(t.count(s), JSON.stringify(s)).to.equal(llama3.encode(s, { bos: false, eos: false }).length);
      expect(t.count(s)).to.equal(llama3.encode(s).length - 2);
    }
  });

  it('counts Llama 2 and Mistral text as their libraries do, without BOS', () => {
    const l2 = registry.resolve('llama-2-7b');
    const mi = registry.resolve('mistral-7b');
    for (const s of SAMPLES) {
      expect(l2.count(s), JSON.stringify(s)).to.equal(llama2.encode(s, false).length);
      expect(mi.count(s), JSON.stringify(s)).to.equal(mistral.encode(s, false)?.length);
      // The libraries' defaults add <s> to any non-empty text.
      expect(l2.count(s)).to.equal(Math.max(0, llama2.encode(s).length - 1));
      expect(mi.count(s)).to.equal(Math.max(0, (mistral.encode(s)?.length ?? 0) - 1));
    }
  });

  it('counts Claude text exactly as @anthropic-ai/tokenizer countTokens does', () => {
    const t = registry.resolve('claude-3-haiku');
    for (const s of SAMPLES) expect(t.count(s), JSON.stringify(s)).to.equal(claudeCountTokens(s));
  });

  it('matches every library on random unicode text', () => {
    const pairs = [
      ['gpt-4o', (s: string) => registry.resolve('gpt-4o').count(s)],
      ['llama-3', (s: string) => llama3.encode(s, { bos: false, eos: false }).length],
      ['llama-2', (s: string) => llama2.encode(s, false).length],
      ['mistral', (s: string) => mistral.encode(s, false)?.length ?? 0],
    ] as const;
    const enc = get_encoding('o200k_base');
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 80 }), (s) => {
        expect(registry.resolve('gpt-4o').count(s)).to.equal(enc.encode_ordinary(s).length);
        for (const [model, reference] of pairs.slice(1)) expect(registry.resolve(model).count(s), model).to.equal(reference(s));
      }),
      { numRuns: 60 },
    );
    enc.free();
    // countTokens builds a fresh encoder per call (~50 ms), so fewer runs for Claude.
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 80 }), (s) => {
        expect(registry.resolve('claude-3').count(s)).to.equal(claudeCountTokens(s));
      }),
      { numRuns: 15 },
    );
  });

  it('remembers counts without changing them, for short texts and past the cached length', () => {
    const uncached = createTokenizerRegistry({ countCacheChars: 0 });
    const long = 'The deploy failed because migration 42 timed out. '.repeat(400);
    for (const model of ['gpt-4o', 'llama-2-7b', 'mistral-7b']) {
      const cached = registry.resolve(model);
      for (const text of [...SAMPLES, long]) {
        const expected = uncached.resolve(model).count(text);
        expect(cached.count(text), `${model} ${text.slice(0, 20)}`).to.equal(expected);
        expect(cached.count(text)).to.equal(expected);
      }
    }
    uncached.close();
  });

  it('reuses one tokenizer per model family and frees encoders on close', () => {
    const own = createTokenizerRegistry();
    const a = own.resolve('gpt-4o');
    expect(own.resolve('gpt-4o-mini')).to.equal(a);
    expect(a.count('hello')).to.equal(1);
    own.close();
    expect(() => a.count('hello')).to.throw(TokenizerClosedError);
    expect(() => own.resolve('gpt-4o')).to.throw(TokenizerClosedError);
  });
});

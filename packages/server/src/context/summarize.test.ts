import { expect } from 'chai';
import { createExtractiveSummarizer } from './summarize.js';
import { createTokenizerRegistry } from './tokenizers.js';
import type { TokenizerRegistry } from './tokenizers.js';
import type { Turn } from './types.js';

const turns: Turn[] = [
  { role: 'user', content: 'We need to migrate the database. Postgres is the target. My cat is called Tom.', at: 1 },
  { role: 'assistant', content: 'The database migration to Postgres needs a schema dump. I like pizza.', at: 2 },
  { role: 'user', content: 'Schedule the Postgres database migration for Friday.', at: 3 },
];

/** Toy embedder: sentences about the database migration share a direction; the rest are off-topic. */
async function embed(texts: readonly string[]): Promise<Float32Array[]> {
  return texts.map((t, i) =>
    /database|postgres|migration/i.test(t) ? Float32Array.from([1, 0.1 * (i % 3), 0]) : Float32Array.from([0, i % 2, 1]),
  );
}

describe('extractive summarizer', () => {
  let tokenizers: TokenizerRegistry;
  before(() => {
    tokenizers = createTokenizerRegistry();
  });
  after(() => tokenizers.close());

  it('keeps the most central sentences, in original order, grouped by turn', async () => {
    const tokenizer = tokenizers.resolve('gpt-4o');
    const summary = await createExtractiveSummarizer({ embedSentences: embed }).summarize({ turns, maxTokens: 40, tokenizer });
    expect(summary.method).to.equal('extractive');
    expect(summary.text).to.equal(
      'user: We need to migrate the database. Postgres is the target.\n' +
        'assistant: The database migration to Postgres needs a schema dump.\n' +
        'user: Schedule the Postgres database migration for Friday.',
    );
    expect(tokenizer.count(summary.text)).to.be.at.most(40);
  });

  it('falls back to lead sentences without an embedder', async () => {
    const tokenizer = tokenizers.resolve('gpt-4o');
    const summary = await createExtractiveSummarizer().summarize({ turns, maxTokens: 35, tokenizer });
    // Every turn's first sentence before any second sentence.
    expect(summary.text).to.equal(
      'user: We need to migrate the database.\n' +
        'assistant: The database migration to Postgres needs a schema dump.\n' +
        'user: Schedule the Postgres database migration for Friday.',
    );
  });

  it('never exceeds its cap for any tokenizer, and returns nothing when nothing fits', async () => {
    for (const model of ['gpt-4', 'llama-3-8b', 'llama-2-7b', 'mistral-7b', 'claude-3-haiku']) {
      const tokenizer = tokenizers.resolve(model);
      for (const maxTokens of [0, 3, 12, 25, 60]) {
        const summary = await createExtractiveSummarizer({ embedSentences: embed }).summarize({ turns, maxTokens, tokenizer });
        expect(tokenizer.count(summary.text), `${model}/${maxTokens}`).to.be.at.most(maxTokens);
      }
    }
    const none = await createExtractiveSummarizer().summarize({ turns, maxTokens: 2, tokenizer: tokenizers.resolve('gpt-4o') });
    expect(none.text).to.equal('');
  });
});

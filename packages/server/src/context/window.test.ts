import { expect } from 'chai';
import { createLayout } from './format.js';
import { buildContext } from './pack.js';
import { createTokenizerRegistry } from './tokenizers.js';
import type { TokenizerRegistry } from './tokenizers.js';
import type { Candidate, Summarizer, Turn } from './types.js';
import { buildWindow, MIN_SUMMARY_TOKENS } from './window.js';

const NOW = Date.UTC(2025, 5, 1);

function conversation(n: number): Turn[] {
  return Array.from({ length: n }, (_, i) => ({
    role: i % 2 === 0 ? 'user' : 'assistant',
    content: `Turn ${i} starts here. It mentions topic ${i % 3} in passing. It ends with detail ${i}.`,
    at: NOW - (n - i) * 60_000,
  }));
}

describe('sliding window', () => {
  let tokenizers: TokenizerRegistry;
  before(() => {
    tokenizers = createTokenizerRegistry();
  });
  after(() => tokenizers.close());

  for (const model of ['gpt-4o', 'llama-3-8b', 'mistral-7b', 'claude-3-opus']) {
    it(`keeps the latest turns verbatim and fits the older ones' summary in what is left (${model})`, async () => {
      const history = conversation(20);
      const result = await buildContext(
        { query: 'topic', candidates: [], tokenBudget: 400, model, history, window: { recentTurns: 4 } },
        { tokenizers, clock: () => NOW },
      );
      expect(result.recentTurns).to.equal(4);
      const recent = history.slice(-4).map((t) => `${t.role}: ${t.content}`).join('\n');
      expect(result.text.endsWith(`## Recent conversation\n${recent}`)).to.equal(true);
      expect(result.summaries).to.have.length(1);
      const summary = result.summaries[0]!;
      expect(summary).to.include({ turnCount: 16, firstAt: history[0]!.at, lastAt: history[15]!.at, method: 'extractive' });
      // The window defaults to half the budget, and the whole text is within the budget.
      const tokenizer = tokenizers.resolve(model);
      expect(tokenizer.count(result.text)).to.equal(result.tokensUsed).and.to.be.at.most(200);
      expect(summary.tokens).to.be.greaterThan(MIN_SUMMARY_TOKENS);
      // Without an embedder the summary is lead sentences, turns in original order.
      const summaryText = result.text.slice(result.text.indexOf('(summary)\n') + 10, result.text.indexOf('\n\n## Recent'));
      expect(summaryText.split('\n')[0]).to.equal('user: Turn 0 starts here.');
    });
  }

  it('leaves the rest of the budget to memories', async () => {
    const candidates: Candidate[] = Array.from({ length: 60 }, (_, i) => ({
      id: `m${i}`,
      content: `Memory ${i} about the project.`,
      relevance: 0.5,
      importance: 0.5,
      createdAt: NOW,
      lastAccessedAt: NOW,
      tier: 'HOT',
      kind: 'note',
      metadata: {},
    }));
    const result = await buildContext(
      { query: 'project', candidates, tokenBudget: 500, model: 'gpt-4o', history: conversation(3), window: { maxTokens: 300 } },
      { tokenizers, clock: () => NOW },
    );
    expect(result.recentTurns).to.equal(3);
    expect(result.summaries).to.deep.equal([]);
    expect(result.sections.length).to.be.greaterThan(10);
    expect(result.tokensUsed).to.be.at.most(500).and.at.least(480);
    expect(result.text.indexOf('## Relevant memories')).to.equal(0);
  });

  it('trims a summary from a summarizer that overshoots its cap', async () => {
    const verbose: Summarizer = { summarize: async () => ({ text: 'This is far too long. '.repeat(200), method: 'llm' }) };
    const layout = createLayout();
    const tokenizer = tokenizers.resolve('gpt-4');
    const result = await buildWindow({
      history: conversation(10), options: { recentTurns: 2, maxTokens: 150 }, limit: 1000, layout, tokenizer, summarizer: verbose, query: '',
    });
    expect(tokenizer.count(layout.render([], result.blocks))).to.be.at.most(150);
    expect(result.summaries[0]?.method).to.equal('llm');
    expect(result.blocks[0]).to.match(/^## Earlier conversation \(summary\)\nThis is far too long\./);
  });

  it('leaves older turns out when the window has no room for a useful summary', async () => {
    const layout = createLayout();
    const tokenizer = tokenizers.resolve('gpt-4o');
    const history = conversation(6);
    const result = await buildWindow({
      history, options: { recentTurns: 6, maxTokens: 60 }, limit: 1000, layout, tokenizer,
      summarizer: { summarize: async () => { throw new Error('must not be called'); } }, query: '',
    });
    expect(result.recentTurns).to.be.greaterThan(0);
    expect(result.summaries).to.deep.equal([]);
    expect(tokenizer.count(layout.render([], result.blocks))).to.be.at.most(60);
  });

  it('keeps nothing verbatim when even the latest turn is larger than the window', async () => {
    const history: Turn[] = [{ role: 'user', content: 'short first turn. '.repeat(3), at: 1 }, { role: 'user', content: 'word '.repeat(500), at: 2 }];
    const result = await buildContext(
      { query: '', candidates: [], tokenBudget: 200, model: 'gpt-4o', history },
      { tokenizers, clock: () => NOW },
    );
    expect(result.recentTurns).to.equal(0);
    expect(result.summaries[0]?.turnCount).to.equal(2);
    expect(result.tokensUsed).to.be.at.most(100);
  });
});

import { expect } from 'chai';
import { createLayout } from './format.js';
import { buildContext } from './pack.js';
import { deployHistory } from './test-conversations.js';
import { createTokenizerRegistry } from './tokenizers.js';
import type { TokenizerRegistry } from './tokenizers.js';
import type { BuildContextInput, Candidate, Summarizer, Turn } from './types.js';
import { MIN_SUMMARY_TOKENS, recentWindow, trimToFit } from './window.js';

const NOW = Date.UTC(2025, 5, 1);

function conversation(n: number): Turn[] {
  return Array.from({ length: n }, (_, i) => ({
    role: i % 2 === 0 ? 'user' : 'assistant',
    content: `Turn ${i} starts here. It mentions topic ${i % 3} in passing. It ends with detail ${i}.`,
    at: NOW - (n - i) * 60_000,
  }));
}

function memories(n: number, relevance = 0.5): Candidate[] {
  return Array.from({ length: n }, (_, i) => ({
    id: `m${i}`,
    content: `Memory ${i} about the project.`,
    relevance,
    importance: 0.5,
    createdAt: NOW,
    lastAccessedAt: NOW,
    tier: 'HOT',
    kind: 'note',
    metadata: {},
  }));
}

describe('sliding window and budget split', () => {
  let tokenizers: TokenizerRegistry;
  const build = (input: Partial<BuildContextInput>, summarizer?: Summarizer) =>
    buildContext(
      { query: 'topic', candidates: [], tokenBudget: 400, model: 'gpt-4o', ...input },
      { tokenizers, clock: () => NOW, ...(summarizer === undefined ? {} : { summarizer }) },
    );
  before(() => {
    tokenizers = createTokenizerRegistry();
  });
  after(() => tokenizers.close());

  for (const model of ['gpt-4o', 'llama-3-8b', 'mistral-7b', 'claude-3-opus']) {
    it(`keeps the latest turns verbatim and gives the whole rest to the summary when nothing else needs it (${model})`, async () => {
      const history = conversation(40);
      const result = await build({ model, history, window: { recentTurns: 4 } });
      expect(result.recentTurns).to.equal(4);
      const recent = history.slice(-4).map((t) => `${t.role}: ${t.content}`).join('\n');
      expect(result.text.endsWith(`## Recent conversation\n${recent}`)).to.equal(true);
      expect(result.summary).to.include({ firstTurn: 0, lastTurn: 35, turnCount: 36, firstAt: history[0]!.at, lastAt: history[35]!.at, method: 'extractive' });
      const tokenizer = tokenizers.resolve(model);
      expect(tokenizer.count(result.text)).to.equal(result.tokensUsed).and.to.be.at.most(400);
      // No memories: the summary is not held to a half, it fills the budget.
      expect(result.tokensUsed).to.be.at.least(370);
      expect(result.budgetSplit).to.include({ memoryTokens: 0, historyTokens: result.tokensUsed });
      expect(result.budgetSplit.summaryTokens).to.be.greaterThan(MIN_SUMMARY_TOKENS);
    });
  }

  it('uses the budget with no memories at any size (the issue’s 300, 600, 1,500)', async () => {
    for (const tokenBudget of [300, 600, 1500]) {
      const result = await build({ history: conversation(120), tokenBudget });
      expect(result.tokensUsed, String(tokenBudget)).to.be.at.least(tokenBudget * 0.9).and.at.most(tokenBudget);
    }
  });

  it('shares by need: memories get what the summary does not need, and the split adds up', async () => {
    const result = await build({ history: conversation(3), candidates: memories(60), tokenBudget: 500 });
    expect(result.recentTurns).to.equal(3);
    expect(result.summary).to.equal(undefined);
    expect(result.sections.length).to.be.greaterThan(10);
    expect(result.tokensUsed).to.be.at.most(500).and.at.least(480);
    expect(result.text.indexOf('## Relevant memories')).to.equal(0);
    const { memoryTokens, historyTokens, summaryTokens } = result.budgetSplit;
    expect(memoryTokens + historyTokens).to.equal(result.tokensUsed);
    expect(memoryTokens).to.equal(result.sections.reduce((n, s) => n + s.tokens, 0));
    expect(summaryTokens).to.equal(0);
  });

  it('promises the summary half of what the recent turns leave when both sides want more', async () => {
    const result = await build({ history: conversation(200), candidates: memories(200), tokenBudget: 1000 });
    const { memoryTokens, historyTokens, summaryTokens, summaryNeed } = result.budgetSplit;
    expect(memoryTokens + historyTokens).to.equal(result.tokensUsed);
    expect(summaryNeed).to.be.greaterThan(400);
    const recent = historyTokens - summaryTokens;
    // Each side within a few quotes or memories of its half.
    expect(summaryTokens).to.be.at.least(Math.floor((1000 - recent) / 2) - 40);
    expect(memoryTokens).to.be.at.least(Math.floor((1000 - recent) / 2) - 40);
    expect(result.tokensUsed).to.be.at.least(970);
  });

  it('drops a memory that repeats a recent turn, and leaves a remembered older turn out of the summary', async () => {
    const history = deployHistory();
    const recentTurn = history.at(-1)!;
    const olderTurn = history[5]!;
    const candidates: Candidate[] = [
      { ...memories(1)[0]!, id: 'recent', content: `${recentTurn.role}: ${recentTurn.content}`, relevance: 0.9 },
      { ...memories(1)[0]!, id: 'older', content: olderTurn.content, relevance: 0.9 },
    ];
    const result = await build({ history, candidates, tokenBudget: 2000, query: 'what happened with the deploy?' });
    expect(result.dropped).to.deep.equal([{ memoryId: 'recent', reason: 'IN_HISTORY' }]);
    expect(result.sections.map((s) => s.memoryId)).to.deep.equal(['older']);
    expect(result.text.split(olderTurn.content)).to.have.length(2);
    expect(result.text.split(recentTurn.content)).to.have.length(2);
  });

  it('trims a summary from a summarizer that overshoots its cap, and reports its method', async () => {
    const verbose: Summarizer = {
      plan: async () => ({ need: 500, write: async () => ({ text: 'This is far too long. '.repeat(200), method: 'llm' }) }),
    };
    const result = await build({ history: conversation(10), window: { recentTurns: 2, maxTokens: 150 }, tokenBudget: 1000 }, verbose);
    const tokenizer = tokenizers.resolve('gpt-4o');
    const conversationText = result.text.slice(result.text.indexOf('## Earlier'));
    expect(tokenizer.count(conversationText)).to.be.at.most(150);
    expect(result.summary?.method).to.equal('llm');
    expect(conversationText).to.match(/^## Earlier conversation \(summary\)\nThis is far too long\./);
  });

  it('leaves older turns out when there is no room for a useful summary', async () => {
    const summarizer: Summarizer = { plan: () => Promise.reject(new Error('must not be called')) };
    const result = await build({ history: conversation(6), window: { recentTurns: 6, maxTokens: 60 }, tokenBudget: 1000 }, summarizer);
    expect(result.recentTurns).to.be.greaterThan(0);
    expect(result.summary).to.equal(undefined);
    expect(tokenizers.resolve('gpt-4o').count(result.text)).to.be.at.most(60);
  });

  it('keeps nothing verbatim when even the latest turn is larger than half the budget', async () => {
    const history: Turn[] = [{ role: 'user', content: 'short first turn about the topic. '.repeat(3), at: 1 }, { role: 'user', content: 'word '.repeat(500), at: 2 }];
    const window = recentWindow({ history, options: {}, limit: 200, layout: createLayout(), tokenizer: tokenizers.resolve('gpt-4o') });
    expect(window.recent).to.deep.equal([]);
    expect(window.older).to.have.length(2);
    const result = await build({ history, tokenBudget: 200 });
    expect(result.recentTurns).to.equal(0);
    expect(result.summary?.turnCount).to.equal(2);
  });

  it('trims by whole lines, then by sentences, to the longest part that fits', () => {
    const fitsIn = (n: number) => (t: string) => t.length <= n;
    expect(trimToFit('a: one.\nb: two.\nc: three.', fitsIn(16))).to.equal('a: one.\nb: two.');
    expect(trimToFit('One. Two. Three.', fitsIn(9))).to.equal('One. Two.');
    expect(trimToFit('One. Two.', fitsIn(2))).to.equal('');
  });
});

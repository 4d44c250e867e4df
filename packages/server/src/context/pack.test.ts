import { expect } from 'chai';
import { CortexError } from '../errors.js';
import { InvalidBudgetError, UnknownModelError, ContextInputError } from './errors.js';
import { buildContext, countTokens } from './pack.js';
import { rankCandidates, rankScore } from './rank.js';
import { createTokenizerRegistry } from './tokenizers.js';
import type { TokenizerRegistry } from './tokenizers.js';
import type { BuildContextInput, Candidate } from './types.js';

const NOW = Date.UTC(2025, 5, 1);
const DAY = 24 * 3_600_000;

function mem(id: string, content: string, extra: Partial<Candidate> = {}): Candidate {
  return { id, content, relevance: 0.8, importance: 0.5, createdAt: NOW - DAY, lastAccessedAt: NOW, tier: 'HOT', kind: 'fact', metadata: {}, ...extra };
}

function unit(values: number[]): Float32Array {
  const v = Float32Array.from(values);
  const n = Math.hypot(...v);
  return v.map((x) => x / n);
}

describe('buildContext', () => {
  let tokenizers: TokenizerRegistry;
  const deps = () => ({ tokenizers, clock: () => NOW });
  const build = (input: Partial<BuildContextInput>) =>
    buildContext({ query: 'what does the user like', candidates: [], tokenBudget: 1000, model: 'gpt-4o', ...input }, deps());
  before(() => {
    tokenizers = createTokenizerRegistry();
  });
  after(() => tokenizers.close());

  it('packs the best-ranked memories first and reports exact tokens of the whole text', async () => {
    const result = await build({
      candidates: [mem('low', 'The user owns a bicycle.', { relevance: 0.2 }), mem('high', 'The user likes green tea.', { relevance: 0.9 })],
    });
    expect(result.sections.map((s) => s.memoryId)).to.deep.equal(['high', 'low']);
    expect(result.text).to.equal('## Relevant memories\n\n[fact · 2025-05-31] The user likes green tea.\n\n[fact · 2025-05-31] The user owns a bicycle.');
    expect(result.tokensUsed).to.equal(tokenizers.resolve('gpt-4o').count(result.text));
    expect(result.budget).to.equal(1000);
    expect(result.dropped).to.deep.equal([]);
    expect(result.estimate).to.equal(false);
  });

  it('ranks by relevance × importance weight × recency weight, with a controllable clock', async () => {
    const halfLife = DAY;
    const fresh = mem('fresh', 'a', { createdAt: NOW });
    const old = mem('old', 'b', { createdAt: NOW - 3 * DAY });
    expect(rankScore(fresh, NOW, halfLife)).to.be.closeTo(0.8 * 0.75 * 1, 1e-12);
    expect(rankScore(old, NOW, halfLife)).to.be.closeTo(0.8 * 0.75 * (0.5 + 0.5 * 0.125), 1e-12);
    expect(rankScore({ ...fresh, importance: 1 }, NOW, halfLife)).to.be.greaterThan(rankScore(fresh, NOW, halfLife));
    expect(rankCandidates([old, fresh], NOW, halfLife).map((r) => r.candidate.id)).to.deep.equal(['fresh', 'old']);
    const result = await build({ candidates: [old, fresh], halfLifeMs: halfLife });
    expect(result.sections.map((s) => s.memoryId)).to.deep.equal(['fresh', 'old']);
  });

  it('ranks by the fused recall score when candidates carry one, and holds the floor against cosine', async () => {
    const keywordHit = mem('keyword', 'Order 4821 shipped on Monday.', { relevance: 0.3, fusedScore: 1 });
    const vectorHit = mem('vector', 'The user asked about shipping.', { relevance: 0.6, fusedScore: 0.4 });
    const unrelated = mem('unrelated', 'The user drinks black coffee.', { relevance: 0.05, fusedScore: 0.9 });
    const result = await build({ candidates: [vectorHit, unrelated, keywordHit], minRelevance: 0.15 });
    expect(result.sections.map((s) => s.memoryId)).to.deep.equal(['keyword', 'vector']);
    expect(result.dropped).to.deep.equal([{ memoryId: 'unrelated', reason: 'BELOW_THRESHOLD' }]);
    expect(result.relevanceFloor).to.equal(0.15);
  });

  it('drops a near-duplicate by cosine and keeps the better-ranked copy', async () => {
    const a = mem('better', 'The user likes green tea in the morning.', { relevance: 0.9, vector: unit([1, 0.01, 0]) });
    const b = mem('worse', 'In the morning the user enjoys green tea.', { relevance: 0.7, vector: unit([1, 0.02, 0]) });
    const c = mem('other', 'The user owns a bicycle.', { relevance: 0.5, vector: unit([0, 1, 0]) });
    const result = await build({ candidates: [b, c, a] });
    expect(result.sections.map((s) => s.memoryId)).to.deep.equal(['better', 'other']);
    expect(result.dropped).to.deep.equal([{ memoryId: 'worse', reason: 'DUPLICATE', duplicateOf: 'better' }]);
  });

  it('keeps near-duplicates below the threshold, and does not dedupe with compression "none"', async () => {
    const a = mem('a', 'Tea in the morning.', { vector: unit([1, 0.3, 0]) });
    const b = mem('b', 'Morning tea.', { relevance: 0.7, vector: unit([1, 0.4, 0]) });
    expect((await build({ candidates: [a, b], dedupeThreshold: 0.999 })).sections).to.have.length(2);
    const twin = mem('twin', 'Tea in the morning.', { relevance: 0.2 });
    expect((await build({ candidates: [a, twin], compression: 'none' })).sections).to.have.length(2);
  });

  it('drops exact normalised-text duplicates when memories have no vectors', async () => {
    const result = await build({ candidates: [mem('a', 'The user likes  TEA.'), mem('b', 'the user likes tea.', { relevance: 0.3 })] });
    expect(result.sections.map((s) => s.memoryId)).to.deep.equal(['a']);
    expect(result.dropped).to.deep.equal([{ memoryId: 'b', reason: 'DUPLICATE', duplicateOf: 'a' }]);
  });

  it('drops memories below minRelevance before ranking', async () => {
    const result = await build({ candidates: [mem('weak', 'x', { relevance: 0.1 }), mem('strong', 'y', { relevance: 0.6 })], minRelevance: 0.3 });
    expect(result.sections.map((s) => s.memoryId)).to.deep.equal(['strong']);
    expect(result.dropped).to.deep.equal([{ memoryId: 'weak', reason: 'BELOW_THRESHOLD' }]);
  });

  it('drops what does not fit for BUDGET and fills the space with smaller later memories', async () => {
    const big = mem('big', 'word '.repeat(200), { relevance: 0.9 });
    const small = mem('small', 'The user likes tea.', { relevance: 0.5 });
    const result = await build({ candidates: [big, small], tokenBudget: 60, compression: 'none' });
    expect(result.sections.map((s) => s.memoryId)).to.deep.equal(['small']);
    expect(result.dropped).to.deep.equal([{ memoryId: 'big', reason: 'BUDGET' }]);
    expect(result.tokensUsed).to.be.at.most(60);
  });

  it('subtracts reserveTokens from the budget', async () => {
    const candidates = Array.from({ length: 40 }, (_, i) => mem(`m${i}`, `Memory number ${i} says something about tea.`));
    const result = await build({ candidates, tokenBudget: 300, reserveTokens: 100 });
    expect(result.budget).to.equal(200);
    expect(result.tokensUsed).to.be.at.most(200).and.at.least(170);
  });

  it('compresses a long memory to the sentences closest to the query, in original order', async () => {
    const filler = Array.from({ length: 30 }, (_, i) => `Unrelated filler sentence number ${i} about the weather.`);
    filler.splice(12, 0, 'The user likes green tea with honey.');
    filler.splice(25, 0, 'The user also likes oolong tea.');
    const result = await build({ candidates: [mem('long', filler.join(' '))], maxMemoryTokens: 30 });
    expect(result.sections[0]).to.include({ memoryId: 'long', compressed: true });
    expect(result.text).to.match(/green tea with honey\..*oolong tea\./s);
    expect(result.text).to.not.contain('filler sentence number 29');
    const t = tokenizers.resolve('gpt-4o');
    const body = result.text.slice(result.text.indexOf('] ') + 2);
    expect(t.count(body)).to.be.at.most(30);
  });

  it('uses the embedder for compression when one is given', async () => {
    const sentences = ['Alpha one.', 'Beta two.', 'Gamma three.', 'Delta four.'];
    // A toy embedder: "Gamma" and the query point the same way, everything else elsewhere.
    const embedSentences = async (texts: readonly string[]) => texts.map((t) => unit(t.includes('Gamma') || t.includes('query') ? [1, 0] : [0, 1]));
    const result = await buildContext(
      { query: 'the query', candidates: [mem('m', sentences.join(' '))], tokenBudget: 500, model: 'gpt-4', maxMemoryTokens: 4, format: { style: 'plain' } },
      { tokenizers, clock: () => NOW, embedSentences },
    );
    expect(result.text).to.equal('Gamma three.');
    expect(result.sections[0]?.compressed).to.equal(true);
  });

  it('marks the result as an estimate for Claude 3+', async () => {
    const result = await build({ model: 'claude-3-5-sonnet', candidates: [mem('a', 'tea')] });
    expect(result.estimate).to.equal(true);
  });

  it('escapes memory text in the xml style and counts the escaped text', async () => {
    const result = await build({ candidates: [mem('a&b', 'x < y & "z"')], format: { style: 'xml' } });
    expect(result.text).to.equal('<memories>\n<memory id="a&amp;b" kind="fact" date="2025-05-31">x &lt; y &amp; &quot;z&quot;</memory>\n</memories>');
    expect(result.tokensUsed).to.equal(tokenizers.resolve('gpt-4o').count(result.text));
  });

  it('dates a memory by when its event happened when that is known, else by when it was stored', async () => {
    const event = mem('event', 'The team shipped release 4.2.', { occurredAt: Date.UTC(2023, 4, 8) });
    const stored = mem('stored', 'The user prefers tea.');
    const result = await build({ candidates: [event, stored] });
    expect(result.text).to.include('[fact · 2023-05-08] The team shipped release 4.2.');
    expect(result.text).to.include('[fact · 2025-05-31] The user prefers tea.');
  });

  it('returns empty text when nothing is given or nothing fits', async () => {
    const empty = await build({});
    expect(empty).to.include({ text: '', tokensUsed: 0 });
    const tiny = await build({ candidates: [mem('a', 'some words that do not fit')], tokenBudget: 2 });
    expect(tiny).to.include({ text: '', tokensUsed: 0 });
    expect(tiny.dropped).to.deep.equal([{ memoryId: 'a', reason: 'BUDGET' }]);
  });

  it('rejects a zero or negative budget, and a budget not above the reserve, with InvalidBudgetError', async () => {
    for (const [tokenBudget, reserveTokens] of [[0, 0], [-10, 0], [1.5, 0], [Number.NaN, 0], [100, 100], [100, 150], [100, -1]] as const) {
      let error: unknown;
      try {
        await build({ tokenBudget, reserveTokens });
      } catch (e) {
        error = e;
      }
      expect(error, `${tokenBudget}/${reserveTokens}`).to.be.instanceOf(InvalidBudgetError);
      expect((error as InvalidBudgetError).kind).to.equal('INVALID_ARGUMENT');
      expect(error).to.be.instanceOf(CortexError);
    }
  });

  it('rejects other invalid input with a field-specific ContextInputError', async () => {
    const cases: Array<[Partial<BuildContextInput>, string]> = [
      [{ dedupeThreshold: 0 }, 'dedupeThreshold'],
      [{ minRelevance: 1.5 }, 'minRelevance'],
      [{ halfLifeMs: -1 }, 'halfLifeMs'],
      [{ candidates: [mem('a', 'x'), mem('a', 'y')] }, 'candidates[1].id'],
    ];
    for (const [input, field] of cases) {
      const error = await build(input).then(() => undefined, (e: unknown) => e);
      expect(error).to.be.instanceOf(ContextInputError);
      expect((error as ContextInputError).field).to.equal(field);
    }
  });

  it('rejects an unknown model listing the known ones', async () => {
    const error = await build({ model: 'no-such-model' }).then(() => undefined, (e: unknown) => e);
    expect(error).to.be.instanceOf(UnknownModelError);
    expect((error as UnknownModelError).knownModels).to.include('gpt-4o');
  });

  it('counts tokens for CountTokens with the same tokenizer', () => {
    expect(countTokens('hello world', 'gpt-4o', { tokenizers })).to.deep.equal({ tokens: 2, estimate: false, tokenizer: 'o200k_base' });
  });
});

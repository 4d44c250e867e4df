import { expect } from 'chai';
import fc from 'fast-check';
import { createOnnxEmbedder, type Embedder } from '../embedding/index.js';
import { realModelDir, silentLogger } from '../embedding/test-helpers.js';
import { buildContext } from './pack.js';
import { isTrivial, normalizeText } from './sentences.js';
import { createExtractiveSummarizer } from './summarize.js';
import { BASKETBALL_GOALS, DEPLOY_FACTS, deployHistory, longConversation } from './test-conversations.js';
import { createTokenizerRegistry } from './tokenizers.js';
import type { TokenizerRegistry } from './tokenizers.js';
import type { BuildContextResult, EmbedSentences, Turn } from './types.js';

const NOW = Date.UTC(2025, 5, 1);
const DATE_LINE = /^\d{1,2} [A-Z][a-z]+ \d{4}:$/;

/** The summary block's lines (without its heading), or [] when there is none. */
function summaryLines(text: string): string[] {
  const start = text.indexOf('## Earlier conversation (summary)\n');
  if (start < 0) return [];
  const body = text.slice(start).split('\n').slice(1);
  const end = body.findIndex((line) => line === '' || line.startsWith('## '));
  return end < 0 ? body : body.slice(0, end);
}

/** The quoted sentences of summary lines ("speaker: s1 … s2"), date lines left out. */
function quotedSentences(lines: readonly string[]): string[] {
  return lines
    .filter((line) => !DATE_LINE.test(line))
    .flatMap((line) => line.slice(line.indexOf(': ') + 2).split(/\s*…\s*/))
    .filter((s) => s !== '');
}

describe('extractive summaries', () => {
  let tokenizers: TokenizerRegistry;
  let embedder: Embedder;
  const embedSentences: EmbedSentences = (texts, purpose = 'document') => embedder.embed(texts, purpose);
  const summarize = (query: string, history: readonly Turn[], tokenBudget: number, model = 'gpt-4o'): Promise<BuildContextResult> =>
    buildContext({ query, candidates: [], tokenBudget, model, history }, { tokenizers, clock: () => NOW, embedSentences });

  before(async () => {
    tokenizers = createTokenizerRegistry();
    embedder = await createOnnxEmbedder({ modelDir: realModelDir(), model: 'all-MiniLM-L6-v2', logger: silentLogger() });
  });
  after(async () => {
    tokenizers.close();
    await embedder.close();
  });

  it('keeps every fact of a failed deploy out of 40 turns of chatter, each once', async () => {
    const result = await summarize('what happened with the deploy?', deployHistory(), 600);
    const lines = summaryLines(result.text);
    const summary = lines.join('\n');
    for (const fact of DEPLOY_FACTS) expect(summary, fact).to.contain(fact);
    // The summary was this filler, repeated.
    expect(summary.split('Some extra chatter about lunch plans').length).to.be.at.most(2);
    const sentences = quotedSentences(lines);
    expect(new Set(sentences.map(normalizeText)).size).to.equal(sentences.length);
    expect(result.summary).to.include({ firstTurn: 0, lastTurn: 31, turnCount: 32, method: 'extractive' });
  });

  it('answers the basketball question from a 680-turn conversation at 1,000 tokens, without filler', async () => {
    const history = longConversation();
    const result = await summarize('what are John’s goals with regards to his basketball career?', history, 1000);
    const lines = summaryLines(result.text);
    for (const goal of BASKETBALL_GOALS) expect(lines.some((line) => line.includes(goal)), goal).to.equal(true);
    const sentences = quotedSentences(lines);
    expect(sentences.filter((s) => isTrivial(s, new Set(['john', 'tim'])))).to.deep.equal([]);
    expect(new Set(sentences.map(normalizeText)).size).to.equal(sentences.length);
    // Attributed: every quote line names its speaker, under the date it was said.
    expect(lines[0]).to.match(/^\d{1,2} \w+ 2023:$/);
    for (const line of lines) expect(DATE_LINE.test(line) || /^(John|Tim): ./.test(line), line).to.equal(true);
    expect(result.tokensUsed).to.be.at.most(1000);
  });

  it('keeps the quotes in their original order', async () => {
    const history = longConversation();
    const lines = summaryLines((await summarize('what are John’s goals with regards to his basketball career?', history, 1000)).text);
    const positions = BASKETBALL_GOALS.map((goal) => lines.findIndex((line) => line.includes(goal)));
    expect(positions).to.deep.equal([...positions].sort((a, b) => a - b));
  });

  it('never quotes the same sentence twice, nor a trivial one', async () => {
    // Turns drawn from a small pool, so repeats and near-repeats are common and embeddings are cached.
    const pool = [
      'That’s awesome!', 'Thanks!', 'The deploy failed because migration 42 timed out.', 'Migration 42 timed out, so the deploy failed.',
      'We rolled back the release.', 'We rolled back the release.', 'Lunch is at noon.', 'The retry succeeded after the index was added.',
      'Great! The retry succeeded after the index was added.', 'Awesome! See you tomorrow.', 'Dave added the index.', 'Wow.',
    ];
    const turn = fc.record({
      role: fc.constantFrom('alice', 'bob'),
      content: fc.array(fc.constantFrom(...pool), { minLength: 1, maxLength: 3 }).map((s) => s.join(' ')),
    });
    await fc.assert(
      fc.asyncProperty(fc.array(turn, { minLength: 1, maxLength: 40 }), fc.integer({ min: 40, max: 400 }), async (turns, tokenBudget) => {
        const history = turns.map((t, i): Turn => ({ ...t, at: NOW + i * 60_000 }));
        const sentences = quotedSentences(summaryLines((await summarize('what happened with the deploy?', history, tokenBudget)).text));
        const seen = new Set<string>();
        for (const sentence of sentences) {
          expect(seen.has(normalizeText(sentence)), sentence).to.equal(false);
          seen.add(normalizeText(sentence));
          expect(isTrivial(sentence, new Set(['alice', 'bob'])), sentence).to.equal(false);
        }
      }),
      { numRuns: Number(process.env.PROPERTY_RUNS ?? 40) },
    );
  });

  it('ranks by shared query words, lead sentences first, without an embedder', async () => {
    const turns: Turn[] = [
      { role: 'user', content: 'We need to migrate the database. My cat is called Tom.' },
      { role: 'assistant', content: 'I like pizza. The Postgres migration needs a schema dump.' },
    ];
    const tokenizer = tokenizers.resolve('gpt-4o');
    const plan = await createExtractiveSummarizer().plan({ turns, recent: [], tokenizer, query: 'postgres migration', minRelevance: 0.1, maxTokens: 100 });
    const best = await plan.write(15, new Set());
    expect(best.text).to.equal('assistant: … The Postgres migration needs a schema dump.');
    expect(best.quoted).to.deep.equal({ sentences: 1, totalSentences: 4, turns: 1 });
    // With room to spare, other sentences fill it, all in their original order.
    const more = (await plan.write(32, new Set())).text.split('\n');
    expect(more).to.have.length(2);
    expect(more[0]).to.match(/^user: /);
    expect(more[1]).to.match(/^assistant: .*The Postgres migration needs a schema dump\.$/);
  });

  it('never exceeds its cap for any tokenizer, and leaves out turns already in the context', async () => {
    const turns = deployHistory().slice(0, 30);
    for (const model of ['gpt-4', 'llama-3-8b', 'llama-2-7b', 'mistral-7b', 'claude-3-haiku']) {
      const tokenizer = tokenizers.resolve(model);
      const plan = await createExtractiveSummarizer({ embedSentences }).plan({ turns, recent: [], tokenizer, query: 'the deploy', minRelevance: 0.1, maxTokens: 400 });
      for (const maxTokens of [0, 3, 12, 25, 60, 200]) {
        const summary = await plan.write(maxTokens, new Set([5]));
        expect(tokenizer.count(summary.text), `${model}/${maxTokens}`).to.be.at.most(maxTokens);
        expect(summary.text).to.not.contain('Database migration 42 timed out');
      }
    }
  });
});

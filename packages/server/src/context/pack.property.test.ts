import { expect } from 'chai';
import fc from 'fast-check';
import { createLayout } from './format.js';
import { buildContext } from './pack.js';
import { rankCandidates } from './rank.js';
import { createTokenizerRegistry } from './tokenizers.js';
import type { TokenizerRegistry } from './tokenizers.js';
import type { Candidate, CompressionMode, FormatStyle, Turn } from './types.js';

const NOW = Date.UTC(2025, 5, 1);
const HOUR = 3_600_000;
const MODELS = ['gpt-4o', 'gpt-4', 'llama-3.1-8b', 'llama-2-7b', 'mistral-7b', 'claude-3-5-sonnet'];

const word = fc.oneof(
  fc.constantFrom('the', 'user', 'prefers', 'Kubernetes', 'deploy', 'on', 'Friday', '2024-05-01', 'café', 'naïve', '東京', 'Ω≈ç√'),
  fc.constantFrom('👍🏽', '👨‍👩‍👧‍👦', '🇯🇵', '🔥🔥🔥', '<|endoftext|>', '<s>', '\t', '```'),
  fc.string({ unit: 'grapheme', minLength: 1, maxLength: 12 }),
  fc.string({ unit: fc.constantFrom('a', 'b', 'z', 'é', 'ß'), minLength: 30, maxLength: 120 }), // long words
);
const content = fc.array(fc.tuple(word, fc.constantFrom(' ', ' ', ' ', '. ', '\n', ', ', '! ')), { minLength: 0, maxLength: 40 })
  .map((parts) => parts.map(([w, sep]) => w + sep).join(''));

const candidate = (i: number) =>
  fc.record({
    content,
    relevance: fc.double({ min: 0, max: 1, noNaN: true }),
    importance: fc.double({ min: 0, max: 1, noNaN: true }),
    ageHours: fc.integer({ min: 0, max: 24 * 60 }),
    kind: fc.constantFrom('fact', 'event', '', 'décision'),
  }).map(
    (r): Candidate => ({
      id: `m${i}`,
      content: r.content,
      relevance: r.relevance,
      importance: r.importance,
      createdAt: NOW - r.ageHours * HOUR,
      lastAccessedAt: NOW,
      tier: 'WARM',
      kind: r.kind,
      metadata: {},
    }),
  );
const candidates = fc.integer({ min: 0, max: 25 }).chain((n) => fc.tuple(...Array.from({ length: n }, (_, i) => candidate(i))));
const budget = fc.integer({ min: 1, max: 700 }).chain((b) => fc.tuple(fc.constant(b), fc.integer({ min: 0, max: b - 1 })));
const history = fc.array(fc.record({ role: fc.constantFrom('user' as const, 'assistant' as const), content }), { maxLength: 8 }).map(
  (turns): Turn[] => turns.map((t, i) => ({ ...t, at: NOW - (turns.length - i) * 60_000 })),
);

/** The conversation blocks at the end of a packed text (everything from the first conversation heading on). */
function conversationBlocks(text: string, style: FormatStyle): string[] {
  const heads = {
    markdown: ['## Earlier conversation', '## Recent conversation'],
    xml: ['<conversation_summary>', '<conversation>'],
    plain: ['Earlier conversation (summary):', 'Recent conversation:'],
  }[style];
  const starts = heads.flatMap((h) => {
    if (text.startsWith(h)) return [0];
    const i = text.indexOf(`\n\n${h}`);
    return i < 0 ? [] : [i + 2];
  });
  return starts.length === 0 ? [] : [text.slice(Math.min(...starts))];
}

describe('buildContext properties', () => {
  let tokenizers: TokenizerRegistry;
  before(() => {
    tokenizers = createTokenizerRegistry();
  });
  after(() => tokenizers.close());

  for (const model of MODELS) {
    it(`never exceeds the budget with ${model}, counting the whole text exactly`, async () => {
      const tokenizer = tokenizers.resolve(model);
      await fc.assert(
        fc.asyncProperty(
          candidates,
          budget,
          history,
          fc.constantFrom<CompressionMode>('none', 'dedupe', 'extractive', 'combined'),
          fc.constantFrom<FormatStyle>('markdown', 'xml', 'plain'),
          fc.integer({ min: 8, max: 120 }),
          async (cands, [tokenBudget, reserveTokens], turns, compression, style, maxMemoryTokens) => {
            const result = await buildContext(
              {
                query: 'what does the user prefer',
                candidates: cands,
                tokenBudget,
                reserveTokens,
                model,
                compression,
                history: turns,
                format: { style },
                maxMemoryTokens,
              },
              { tokenizers, clock: () => NOW },
            );
            expect(result.budget).to.equal(tokenBudget - reserveTokens);
            expect(result.tokensUsed).to.be.at.most(result.budget);
            expect(tokenizer.count(result.text)).to.equal(result.tokensUsed);
            expect(result.sections.length + result.dropped.length).to.equal(cands.length);
            // Section costs are exact marginals: with the conversation-only frame they add up to the whole.
            const frame = tokenizer.count(createLayout({ style }).render([], conversationBlocks(result.text, style)));
            expect(frame + result.sections.reduce((n, s) => n + s.tokens, 0)).to.equal(result.tokensUsed);
          },
        ),
        { numRuns: Number(process.env.PROPERTY_RUNS ?? 50) },
      );
    });

    it(`stops short only when the next memory does not fit, with ${model}`, async () => {
      const tokenizer = tokenizers.resolve(model);
      await fc.assert(
        fc.asyncProperty(candidates, budget, fc.constantFrom<FormatStyle>('markdown', 'xml', 'plain'), async (cands, [tokenBudget, reserveTokens], style) => {
          const result = await buildContext(
            { query: 'q', candidates: cands, tokenBudget, reserveTokens, model, compression: 'none', format: { style }, minRelevance: 0 },
            { tokenizers, clock: () => NOW },
          );
          // Rebuild the sections exactly as the packer renders them, in rank order.
          const layout = createLayout({ style });
          const ranked = rankCandidates(cands, NOW, 7 * 24 * HOUR);
          const included = new Set(result.sections.map((s) => s.memoryId));
          const render = (ids: ReadonlySet<string>) => {
            const sections = ranked.filter((r) => ids.has(r.candidate.id));
            return layout.render(sections.map((r) => layout.formatSection(r.candidate, r.candidate.content)), []);
          };
          expect(render(included)).to.equal(result.text);
          const next = ranked.find((r) => !included.has(r.candidate.id));
          if (next === undefined) return;
          expect(result.dropped.find((d) => d.memoryId === next.candidate.id)?.reason).to.equal('BUDGET');
          const withNext = new Set([...included, next.candidate.id]);
          expect(tokenizer.count(render(withNext))).to.be.greaterThan(result.budget);
        }),
        { numRuns: 50 },
      );
    });
  }
});

import { expect } from 'chai';
import { status } from '@grpc/grpc-js';
import { get_encoding } from '@dqbd/tiktoken';
import { BuildContextRequest, CompressionStrategy, DropReason, SummaryMethod } from '@cortex/proto/cortex/v1/context_service';
import type { MemoryInput } from '@cortex/proto/cortex/v1/memory_service';
import { call, callError, errorDetails, startTestServer, type TestServer } from './harness.js';

const NAMESPACE = 'ctx';

function memory(id: string, content: string, extra: Partial<MemoryInput> = {}): MemoryInput {
  return { id, content, agentId: '', kind: 'fact', tags: [], metadata: {}, importance: undefined, expiresAt: undefined, pinned: false, threadId: '', occurredAt: undefined, embedding: [], ...extra };
}

describe('ContextService', function () {
  let server: TestServer;
  const request = (fields: Partial<BuildContextRequest>) =>
    BuildContextRequest.fromPartial({ namespace: NAMESPACE, query: 'What does the user like to eat?', tokenBudget: 200, model: 'gpt-4o', ...fields });
  const build = (fields: Partial<BuildContextRequest>) => call(server.context.buildContext.bind(server.context), request(fields));
  const violations = async (fields: Partial<BuildContextRequest>) =>
    errorDetails(await callError(server.context.buildContext.bind(server.context), request(fields))).fieldViolations.map((v) => v.field);
  const countTokens = async (model: string, text: string) =>
    (await call(server.context.countTokens.bind(server.context), { model, texts: [text] })).tokenCounts[0];

  before(async () => {
    server = await startTestServer();
    await call(server.memory.remember.bind(server.memory), {
      namespace: NAMESPACE,
      memories: [
        memory('food-1', 'The user loves spicy Thai curry and eats it every Friday.', { importance: 0.9 }),
        memory('food-2', 'The user loves spicy Thai curry and eats it every Friday!'),
        memory('food-3', 'The user is allergic to peanuts.', { importance: 1 }),
        memory('work', 'The user works as a backend engineer on payment systems.'),
        memory('pet', 'The user has a cat called Miso who sleeps on the keyboard.'),
        memory('private', 'Agent B noted the user prefers sushi on weekends.', { agentId: 'agent-b' }),
        memory('own', 'Agent A noted the user skips breakfast.', { agentId: 'agent-a' }),
        memory('coffee', 'The user takes their coffee black with two sugars.'),
        memory('standup', 'alice: We rolled back to release 3.13 at 9:41 and errors stopped.'),
        ...Array.from({ length: 30 }, (_, i) => memory(`filler-${i}`, `Weather log ${i}: cloudy with light wind and ${i} mm of rain in the afternoon.`)),
      ],
    });
  });
  after(async () => {
    await server.stop();
  });

  it('packs the most relevant memories and counts tokens_used exactly like the model’s tokenizer', async () => {
    const result = await build({});
    expect(result.tokenizer).to.equal('o200k_base');
    expect(result.tokenCountEstimated).to.equal(false);
    expect(result.sections.map((s) => s.memoryId)).to.include('food-3');
    expect(result.text).to.include('peanuts');
    expect(result.tokensUsed).to.equal(await countTokens('gpt-4o', result.text));
    const encoding = get_encoding('o200k_base');
    expect(result.tokensUsed).to.equal(encoding.encode_ordinary(result.text).length);
    encoding.free();
    expect(result.tokensUsed).to.be.at.most(200);
    expect(result.tokenBudget).to.equal(200);
  });

  it('never exceeds token_budget - reserve_tokens, for every tokenizer family', async () => {
    for (const model of ['gpt-4o', 'gpt-4', 'llama-3-8b', 'llama-2-7b', 'mistral-7b', 'claude-3-5-sonnet']) {
      for (const [budget, reserve] of [[40, 0], [120, 30], [400, 100]] as const) {
        const result = await build({ model, tokenBudget: budget, reserveTokens: reserve, query: 'weather and rain' });
        expect(result.tokensUsed, `${model} ${budget}`).to.be.at.most(budget - reserve);
        expect(result.tokensUsed, `${model} recount`).to.equal(await countTokens(model, result.text));
        expect(result.tokenBudget).to.equal(budget - reserve);
      }
    }
  });

  it('says when the count is an estimate (Claude 3 and later)', async () => {
    const result = await build({ model: 'claude-3-5-sonnet' });
    expect(result.tokenCountEstimated).to.equal(true);
  });

  it('drops a near-duplicate and keeps the better-ranked copy', async () => {
    const result = await build({ tokenBudget: 2000, query: 'spicy Thai curry on Friday' });
    const kept = result.sections.map((s) => s.memoryId);
    const duplicates = result.dropped.filter((d) => d.reason === DropReason.DROP_REASON_DUPLICATE).map((d) => d.memoryId);
    expect(kept).to.include('food-1');
    expect(duplicates).to.include('food-2');
  });

  it('keeps duplicates with compression NONE', async () => {
    const result = await build({ tokenBudget: 2000, query: 'spicy Thai curry on Friday', compression: CompressionStrategy.COMPRESSION_STRATEGY_NONE });
    expect(result.sections.map((s) => s.memoryId)).to.include.members(['food-1', 'food-2']);
  });

  it('reports what did not fit as dropped for BUDGET', async () => {
    const result = await build({ tokenBudget: 30, query: 'weather log rain' });
    expect(result.dropped.some((d) => d.reason === DropReason.DROP_REASON_BUDGET)).to.equal(true);
  });

  it('draws on the agent’s own and the shared memories, never on another agent’s', async () => {
    const result = await build({ agentId: 'agent-a', tokenBudget: 2000, query: 'what the user eats: breakfast, sushi' });
    const ids = [...result.sections.map((s) => s.memoryId), ...result.dropped.map((d) => d.memoryId)];
    expect(ids).to.include('own');
    expect(ids).to.not.include('private');
  });

  it('keeps the latest turns verbatim and summarizes older ones into the leftover budget', async () => {
    const history = Array.from({ length: 14 }, (_, i) => ({
      role: i % 2 ? 'assistant' : 'user',
      content: `Turn ${i}: we discussed the migration plan for service ${i} and agreed on step ${i}. It needs a rollback script.`,
      at: new Date(Date.UTC(2026, 0, 1, 12, i)),
    }));
    const result = await build({ history, tokenBudget: 600, query: 'migration plan' });
    expect(result.historyTurnsVerbatim).to.be.greaterThan(0);
    expect(result.historyTurnsSummarized).to.equal(14 - result.historyTurnsVerbatim);
    expect(result.text).to.include('Turn 13: we discussed');
    expect(result.tokensUsed).to.be.at.most(600);
  });

  it('leaves unrelated memories out by default, reports the floor, and packs them when asked to', async () => {
    const query = 'what happened with the deploy?';
    const floored = await build({ query, tokenBudget: 2000 });
    expect(floored.relevanceFloor).to.be.greaterThan(0);
    expect(floored.dropped).to.deep.include({ memoryId: 'coffee', reason: DropReason.DROP_REASON_BELOW_THRESHOLD });
    expect(floored.sections.map((s) => s.memoryId)).to.not.include('coffee');
    const explicit = await build({ query, tokenBudget: 2000, minRelevance: 0.5 });
    expect(explicit.relevanceFloor).to.equal(0.5);
    const unfloored = await build({ query, tokenBudget: 2000, disableRelevanceFloor: true });
    expect(unfloored.relevanceFloor).to.equal(0);
    expect(unfloored.sections.map((s) => s.memoryId)).to.include('coffee');
    expect(await violations({ disableRelevanceFloor: true, minRelevance: 0.2 })).to.deep.equal(['min_relevance']);
  });

  it('reports the budget split and the summary, and carries a remembered recent turn once', async () => {
    const history = [
      ...Array.from({ length: 30 }, (_, i) => ({ role: 'alice', content: `Deploy note ${i}: the migration step ${i} ran on the orders table.`, at: undefined })),
      { role: 'alice', content: 'We rolled back to release 3.13 at 9:41 and errors stopped.', at: new Date(Date.UTC(2026, 0, 1, 9, 41)) },
    ];
    const result = await build({ history, tokenBudget: 800, query: 'what happened with the deploy?' });
    const split = result.budgetSplit!;
    expect(split.memoryTokens + split.historyTokens).to.equal(result.tokensUsed);
    expect(split.memoryTokens).to.equal(result.sections.reduce((n, s) => n + s.tokens, 0));
    expect(split.summaryTokens).to.be.greaterThan(0).and.below(split.historyTokens);
    const lastTurn = 30 - result.historyTurnsVerbatim;
    expect(result.summary).to.deep.include({ firstTurn: 0, lastTurn, method: SummaryMethod.SUMMARY_METHOD_EXTRACTIVE });
    expect(result.summary!.sentencesQuoted).to.be.greaterThan(0).and.at.most(result.summary!.sentencesTotal);
    expect(result.dropped).to.deep.include({ memoryId: 'standup', reason: DropReason.DROP_REASON_IN_HISTORY });
    expect(result.text.split('rolled back to release 3.13')).to.have.length(2);
  });

  it('rejects an unknown model, listing the known ones', async () => {
    const error = await callError(server.context.buildContext.bind(server.context), request({ query: 'q', tokenBudget: 100, model: 'gpt-99-ultra' }));
    expect(error.code).to.equal(status.INVALID_ARGUMENT);
    const details = errorDetails(error);
    expect(details.reason).to.equal('UNKNOWN_MODEL');
    expect(details.metadata.known_models).to.include('gpt-4o');
    expect(details.fieldViolations[0]!.field).to.equal('model');
  });

  it('rejects a zero or negative budget and a reserve that leaves no room', async () => {
    expect(await violations({ tokenBudget: 0 })).to.deep.equal(['token_budget']);
    expect(await violations({ tokenBudget: -5 })).to.deep.equal(['token_budget']);
    expect(await violations({ tokenBudget: 100, reserveTokens: 100 })).to.deep.equal(['reserve_tokens']);
  });

  it('counts tokens per text with CountTokens and rejects an unknown model', async () => {
    const response = await call(server.context.countTokens.bind(server.context), { model: 'gpt-4', texts: ['hello world', 'Ünïcödé ✓ 🚀'] });
    const encoding = get_encoding('cl100k_base');
    expect(response.tokenCounts).to.deep.equal(['hello world', 'Ünïcödé ✓ 🚀'].map((t) => encoding.encode_ordinary(t).length));
    encoding.free();
    expect(response.totalTokens).to.equal(response.tokenCounts.reduce((a, b) => a + b, 0));
    const error = await callError(server.context.countTokens.bind(server.context), { model: 'nope', texts: ['x'] });
    expect(error.code).to.equal(status.INVALID_ARGUMENT);
  });
});

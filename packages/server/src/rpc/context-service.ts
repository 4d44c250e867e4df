import type { Logger } from 'winston';
import {
  CompressionStrategy,
  DropReason,
  SummaryMethod,
  type ContextServiceServer,
  type ConversationSummary,
} from '@cortex/proto/cortex/v1/context_service';
import type { ContextService } from '../context/service.js';
import type { CompressionMode, SummaryInfo } from '../context/types.js';
import { unary } from './call.js';
import { checkFilter, MAX_BATCH, MAX_QUERY_BYTES } from './checks.js';
import { filterFromProto } from './convert.js';
import { checkAgentId, checkNamespace, Validator } from './validate.js';

export interface ContextRpcDeps {
  readonly context: ContextService;
  readonly logger: Logger;
}

const COMPRESSION: Readonly<Partial<Record<CompressionStrategy, CompressionMode>>> = {
  [CompressionStrategy.COMPRESSION_STRATEGY_UNSPECIFIED]: 'combined',
  [CompressionStrategy.COMPRESSION_STRATEGY_NONE]: 'none',
  [CompressionStrategy.COMPRESSION_STRATEGY_DEDUPE]: 'dedupe',
  [CompressionStrategy.COMPRESSION_STRATEGY_EXTRACTIVE]: 'extractive',
  [CompressionStrategy.COMPRESSION_STRATEGY_COMBINED]: 'combined',
};
const DROP_REASONS = {
  BUDGET: DropReason.DROP_REASON_BUDGET,
  DUPLICATE: DropReason.DROP_REASON_DUPLICATE,
  BELOW_THRESHOLD: DropReason.DROP_REASON_BELOW_THRESHOLD,
  IN_HISTORY: DropReason.DROP_REASON_IN_HISTORY,
} as const;
const SUMMARY_METHODS = { extractive: SummaryMethod.SUMMARY_METHOD_EXTRACTIVE, llm: SummaryMethod.SUMMARY_METHOD_LLM } as const;

const MAX_TOKEN_BUDGET = 1_000_000;
const MAX_HISTORY_TURNS = 1000;
const MAX_TURN_BYTES = 64 * 1024;
const MAX_COUNT_TEXT_BYTES = 1024 * 1024;

export function createContextRpc({ context, logger }: ContextRpcDeps): ContextServiceServer {
  return {
    buildContext: unary(logger, async (request, ctx) => {
      const v = new Validator();
      checkNamespace(v, 'namespace', request.namespace);
      checkAgentId(v, 'agent_id', request.agentId, { required: false });
      v.text('query', request.query, MAX_QUERY_BYTES, { required: true });
      if (v.range('token_budget', request.tokenBudget, 1, MAX_TOKEN_BUDGET) && request.reserveTokens !== 0) {
        v.range('reserve_tokens', request.reserveTokens, 0, request.tokenBudget - 1);
      }
      v.text('model', request.model, 128, { required: true });
      if (COMPRESSION[request.compression] === undefined) v.add('compression', 'must be a CompressionStrategy value');
      if (v.maxItems('history', request.history.length, MAX_HISTORY_TURNS)) {
        request.history.forEach((turn, i) => {
          v.text(`history[${i}].role`, turn.role, 64, { required: true });
          v.text(`history[${i}].content`, turn.content, MAX_TURN_BYTES, { required: false });
        });
      }
      if (request.candidateCount !== 0) v.range('candidate_count', request.candidateCount, 1, MAX_BATCH);
      v.range('min_relevance', request.minRelevance, 0, 1);
      if (request.disableRelevanceFloor && request.minRelevance !== 0) v.add('min_relevance', 'must be 0 when disable_relevance_floor is set');
      v.range('dedupe_threshold', request.dedupeThreshold, 0, 1);
      checkFilter(v, 'filter', request.filter);
      if (request.filter?.agentId) v.add('filter.agent_id', 'use the request’s agent_id instead');
      v.done();

      const result = await context.build(ctx, {
        namespace: request.namespace,
        agentId: request.agentId,
        query: request.query,
        tokenBudget: request.tokenBudget,
        reserveTokens: request.reserveTokens,
        model: request.model,
        compression: COMPRESSION[request.compression] ?? 'combined',
        history: request.history.map((turn) => ({ role: turn.role, content: turn.content, ...(turn.at ? { at: turn.at.getTime() } : {}) })),
        candidateCount: request.candidateCount || undefined,
        minRelevance: request.disableRelevanceFloor ? 0 : request.minRelevance || undefined,
        dedupeThreshold: request.dedupeThreshold || 0.95,
        filter: filterFromProto(request.filter),
      });
      return {
        text: result.text,
        sections: result.sections.map((s) => ({
          memoryId: s.memoryId,
          tokens: s.tokens,
          compressed: s.compressed,
          score: result.relevance.get(s.memoryId) ?? 0,
        })),
        tokensUsed: result.tokensUsed,
        tokenBudget: result.budget,
        dropped: result.dropped.map((d) => ({ memoryId: d.memoryId, reason: DROP_REASONS[d.reason] })),
        tokenizer: result.tokenizer,
        tokenCountEstimated: result.estimate,
        historyTurnsVerbatim: result.recentTurns,
        historyTurnsSummarized: result.summary?.turnCount ?? 0,
        budgetSplit: result.budgetSplit,
        summary: result.summary && summaryToProto(result.summary),
        relevanceFloor: result.relevanceFloor,
      };
    }),

    countTokens: unary(logger, (request) => {
      const v = new Validator();
      v.text('model', request.model, 128, { required: true });
      if (request.texts.length === 0) v.add('texts', 'at least one text is required');
      if (v.maxItems('texts', request.texts.length, MAX_BATCH)) {
        request.texts.forEach((text, i) => v.text(`texts[${i}]`, text, MAX_COUNT_TEXT_BYTES, { required: false }));
      }
      v.done();
      const { counts, tokenizer, estimated } = context.countTokens(request.model, request.texts);
      return { tokenCounts: counts, totalTokens: counts.reduce((a, b) => a + b, 0), tokenizer, estimated };
    }),
  };
}

function summaryToProto(summary: SummaryInfo): ConversationSummary {
  return {
    firstTurn: summary.firstTurn,
    lastTurn: summary.lastTurn,
    method: SUMMARY_METHODS[summary.method],
    tokens: summary.tokens,
    sentencesQuoted: summary.quoted?.sentences ?? 0,
    sentencesTotal: summary.quoted?.totalSentences ?? 0,
    turnsQuoted: summary.quoted?.turns ?? 0,
    fallbackReason: summary.fallbackReason ?? '',
  };
}

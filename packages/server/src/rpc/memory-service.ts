import type { Logger } from 'winston';
import {
  RecallMode,
  RememberOutcome,
  type MemoryInput,
  type MemoryServiceServer,
} from '@cortex/proto/cortex/v1/memory_service';
import type { MemoryService, RecallQuery } from '../memory/index.js';
import type { Maintenance } from '../memory/maintenance.js';
import { unary } from './call.js';
import {
  checkEmbedding,
  checkFilter,
  checkInstant,
  checkKind,
  checkMemoryId,
  checkMetadata,
  checkTags,
  checkThreadId,
  MAX_BATCH,
  MAX_QUERY_BYTES,
  pageSize,
} from './checks.js';
import { filterFromProto, memoryToProto } from './convert.js';
import { checkAgentId, checkNamespace, Validator } from './validate.js';

export interface MemoryRpcDeps {
  readonly memories: MemoryService;
  readonly maintenance: Maintenance;
  readonly logger: Logger;
  readonly clock: () => number;
  readonly maxContentBytes: number;
  /** The dimension client-supplied embeddings must have. */
  readonly embeddingDimensions: number;
}

const OUTCOMES = {
  CREATED: RememberOutcome.REMEMBER_OUTCOME_CREATED,
  UPDATED: RememberOutcome.REMEMBER_OUTCOME_UPDATED,
  UNCHANGED: RememberOutcome.REMEMBER_OUTCOME_UNCHANGED,
} as const;
const MODES: Readonly<Partial<Record<RecallMode, RecallQuery['mode']>>> = {
  [RecallMode.RECALL_MODE_UNSPECIFIED]: 'HYBRID',
  [RecallMode.RECALL_MODE_VECTOR]: 'VECTOR',
  [RecallMode.RECALL_MODE_KEYWORD]: 'KEYWORD',
  [RecallMode.RECALL_MODE_HYBRID]: 'HYBRID',
};

export function createMemoryRpc(deps: MemoryRpcDeps): MemoryServiceServer {
  const { memories, logger, clock } = deps;

  const checkInput = (v: Validator, field: string, input: MemoryInput, seenIds: Set<string>, now: number) => {
    if (input.id !== '') {
      checkMemoryId(v, `${field}.id`, input.id);
      if (seenIds.has(input.id)) v.add(`${field}.id`, `duplicates an earlier item's id "${input.id}"`);
      seenIds.add(input.id);
    }
    checkAgentId(v, `${field}.agent_id`, input.agentId, { required: false });
    v.text(`${field}.content`, input.content, deps.maxContentBytes, { required: true });
    checkKind(v, `${field}.kind`, input.kind);
    checkTags(v, `${field}.tags`, input.tags);
    checkMetadata(v, `${field}.metadata`, input.metadata);
    if (input.importance !== undefined) v.range(`${field}.importance`, input.importance, 0, 1);
    if (input.expiresAt && input.expiresAt.getTime() <= now) v.add(`${field}.expires_at`, 'must be in the future');
    checkThreadId(v, `${field}.thread_id`, input.threadId, { allowEmpty: true });
    checkInstant(v, `${field}.occurred_at`, input.occurredAt);
    checkEmbedding(v, `${field}.embedding`, input.embedding, deps.embeddingDimensions);
  };

  return {
    remember: unary(logger, async (request, ctx) => {
      const v = new Validator();
      checkNamespace(v, 'namespace', request.namespace);
      if (request.memories.length === 0) v.add('memories', 'at least one memory is required');
      if (v.maxItems('memories', request.memories.length, MAX_BATCH)) {
        const seen = new Set<string>();
        const now = clock();
        request.memories.forEach((input, i) => checkInput(v, `memories[${i}]`, input, seen, now));
      }
      v.done();
      const { results, ledgerSeq } = await memories.remember(
        ctx,
        request.namespace,
        request.memories.map((input) => ({
          ...(input.id ? { id: input.id } : {}),
          agentId: input.agentId,
          content: input.content,
          kind: input.kind,
          tags: input.tags,
          metadata: input.metadata,
          ...(input.importance !== undefined ? { importance: input.importance } : {}),
          expiresAt: input.expiresAt ? input.expiresAt.getTime() : null,
          pinned: input.pinned,
          threadId: input.threadId,
          occurredAt: input.occurredAt ? input.occurredAt.getTime() : null,
          ...(input.embedding.length > 0 ? { embedding: Float32Array.from(input.embedding) } : {}),
        })),
      );
      return {
        results: results.map((r) => ({ memory: memoryToProto(r.memory), outcome: OUTCOMES[r.outcome] })),
        ledgerSeq,
      };
    }),

    recall: unary(logger, async (request, ctx) => {
      const v = new Validator();
      checkNamespace(v, 'namespace', request.namespace);
      v.text('query', request.query, MAX_QUERY_BYTES, { required: true });
      if (request.topK !== 0) v.range('top_k', request.topK, 1, 100);
      if (MODES[request.mode] === undefined) v.add('mode', 'must be RECALL_MODE_VECTOR, RECALL_MODE_KEYWORD or RECALL_MODE_HYBRID');
      checkFilter(v, 'filter', request.filter);
      if (!Number.isFinite(request.minScore)) v.add('min_score', 'must be a finite number');
      v.done();
      const mode = MODES[request.mode] ?? 'HYBRID';
      const hits = await memories.recall(request.namespace, {
        mode,
        query: request.query,
        topK: request.topK || 10,
        filter: filterFromProto(request.filter),
        minScore: request.minScore,
      }, ctx);
      return {
        mode: request.mode === RecallMode.RECALL_MODE_UNSPECIFIED ? RecallMode.RECALL_MODE_HYBRID : request.mode,
        hits: hits.map((hit) => ({
          memory: memoryToProto(hit.memory),
          score: hit.score,
          vectorScore: hit.vectorScore,
          vectorRank: hit.vectorRank ?? 0,
          keywordScore: hit.keywordScore,
          keywordRank: hit.keywordRank ?? 0,
        })),
      };
    }),

    getMemory: unary(logger, (request, ctx) => {
      const v = new Validator();
      checkNamespace(v, 'namespace', request.namespace);
      if (v.required('id', request.id)) checkMemoryId(v, 'id', request.id);
      v.done();
      return { memory: memoryToProto(memories.get(request.namespace, request.id, ctx)) };
    }),

    listMemories: unary(logger, (request) => {
      const v = new Validator();
      checkNamespace(v, 'namespace', request.namespace);
      const size = pageSize(v, request.pageSize, { fallback: 50, max: 1000 });
      checkFilter(v, 'filter', request.filter);
      v.done();
      const page = memories.list(request.namespace, filterFromProto(request.filter), size, request.pageToken);
      return { memories: page.memories.map(memoryToProto), nextPageToken: page.nextPageToken };
    }),

    forget: unary(logger, (request, ctx) => {
      const v = new Validator();
      checkNamespace(v, 'namespace', request.namespace);
      if (v.maxItems('ids', request.ids.length, MAX_BATCH)) request.ids.forEach((id, i) => checkMemoryId(v, `ids[${i}]`, id));
      checkFilter(v, 'filter', request.filter);
      v.done();
      const result = memories.forget(ctx, request.namespace, request.ids, filterFromProto(request.filter));
      return { forgottenCount: result.forgottenIds.length, forgottenIds: result.forgottenIds, ledgerSeq: result.ledgerSeq };
    }),

    runMaintenance: unary(logger, async (request, ctx) => {
      const v = new Validator();
      if (request.namespace !== '') checkNamespace(v, 'namespace', request.namespace);
      v.done();
      const result = await deps.maintenance.run({
        ...(request.namespace !== '' ? { namespace: request.namespace } : {}),
        dryRun: request.dryRun,
        ...(request.asOf !== undefined ? { asOf: request.asOf.getTime() } : {}),
        ctx,
      });
      return {
        promotedCount: result.promoted,
        demotedCount: result.demoted,
        archivedCount: result.archived,
        expiredCount: result.expired,
        reembeddedCount: result.reembedded,
      };
    }),
  };
}

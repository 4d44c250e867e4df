import type { Embedder } from '../embedding/index.js';
import type { MemoryFilter, MemoryService, RequestContext } from '../memory/index.js';
import { buildContext } from './pack.js';
import type { TokenizerRegistry } from './tokenizers.js';
import { cosine } from './vectors.js';
import type { BuildContextResult, Candidate, CompressionMode, EmbedSentences, Summarizer, Turn } from './types.js';

export interface ContextServiceDeps {
  readonly memories: MemoryService;
  readonly embedder: Embedder;
  readonly tokenizers: TokenizerRegistry;
  readonly summarizer: Summarizer;
  readonly clock: () => number;
  /** The recency half-life the tier policy uses too, so ranking and retention agree. */
  readonly halfLifeMs: number;
  /** The floor a request without min_relevance gets: calibrated for the embedder (relevance-floor.ts). */
  readonly relevanceFloor: number;
}

export interface ContextRequest {
  readonly namespace: string;
  readonly agentId: string;
  readonly query: string;
  readonly tokenBudget: number;
  readonly reserveTokens: number;
  readonly model: string;
  readonly compression: CompressionMode;
  readonly history: readonly Turn[];
  /** undefined: defaultCandidateCount(tokenBudget − reserveTokens). */
  readonly candidateCount: number | undefined;
  /** undefined: deps.relevanceFloor; 0: none. */
  readonly minRelevance: number | undefined;
  readonly dedupeThreshold: number;
  readonly filter: MemoryFilter;
}

export interface ContextResult extends BuildContextResult {
  readonly tokenizer: string;
  /** Relevance of each packed or dropped candidate, by memory id. */
  readonly relevance: ReadonlyMap<string, number>;
}

/** A short memory (a sentence or two with its header) costs about this many tokens. */
const TOKENS_PER_CANDIDATE = 40;
const MIN_CANDIDATES = 50;
const MAX_CANDIDATES = 500;

/** Enough candidates to fill the budget with short memories: a bigger budget looks deeper. */
export function defaultCandidateCount(limit: number): number {
  return Math.min(MAX_CANDIDATES, Math.max(MIN_CANDIDATES, Math.ceil(limit / TOKENS_PER_CANDIDATE)));
}

/**
 * BuildContext end to end: hybrid recall of candidates, their embeddings (from the cache for
 * anything remembered before) for relevance and duplicate detection, then exact packing.
 */
export function createContextService(deps: ContextServiceDeps) {
  const { memories, embedder, tokenizers, summarizer, clock } = deps;
  const embedSentences: EmbedSentences = (texts, purpose = 'document') => embedder.embed(texts, purpose);

  return {
    async build(ctx: RequestContext, request: ContextRequest): Promise<ContextResult> {
      // Resolve first: an unknown model must fail before any retrieval work.
      const tokenizer = tokenizers.resolve(request.model);
      // An agent sees its own memories and the namespace's shared ones (agent_id "").
      const hits = await memories.recall(request.namespace, {
        mode: 'HYBRID',
        query: request.query,
        topK: request.candidateCount ?? defaultCandidateCount(request.tokenBudget - request.reserveTokens),
        minScore: 0,
        filter: request.agentId ? { ...request.filter, agentIds: [request.agentId, ''] } : request.filter,
      }, ctx);
      const [[queryVector], vectors] = await Promise.all([
        embedder.embed([request.query], 'query'),
        embedder.embed(hits.map((h) => h.memory.content), 'document'),
      ]);
      const bestFused = hits.reduce((best, hit) => Math.max(best, hit.score), 0);
      const relevance = new Map<string, number>();
      const candidates: Candidate[] = hits.map((hit, i) => {
        const vector = vectors[i]!;
        const score = Math.max(0, Math.min(1, hit.vectorScore ?? cosine(queryVector!, vector)));
        relevance.set(hit.memory.id, score);
        return {
          id: hit.memory.id,
          content: hit.memory.content,
          relevance: score,
          ...(bestFused > 0 ? { fusedScore: hit.score / bestFused } : {}),
          importance: hit.memory.importance,
          createdAt: hit.memory.createdAt,
          ...(hit.memory.occurredAt === null ? {} : { occurredAt: hit.memory.occurredAt }),
          lastAccessedAt: hit.memory.lastAccessedAt,
          vector,
          tier: hit.memory.tier,
          kind: hit.memory.kind,
          metadata: hit.memory.metadata,
        };
      });
      const result = await buildContext(
        {
          query: request.query,
          candidates,
          tokenBudget: request.tokenBudget,
          reserveTokens: request.reserveTokens,
          model: request.model,
          halfLifeMs: deps.halfLifeMs,
          dedupeThreshold: request.dedupeThreshold,
          minRelevance: request.minRelevance ?? deps.relevanceFloor,
          compression: request.compression,
          history: request.history,
        },
        { tokenizers, clock, embedSentences, summarizer },
      );
      return { ...result, tokenizer: tokenizer.name, relevance };
    },

    countTokens(model: string, texts: readonly string[]) {
      const tokenizer = tokenizers.resolve(model);
      return { counts: texts.map((text) => tokenizer.count(text)), tokenizer: tokenizer.name, estimated: tokenizer.estimate };
    },
  };
}

export type ContextService = ReturnType<typeof createContextService>;

import type { Memory as ProtoMemory, MemoryFilter as ProtoFilter } from '@cortex/proto/cortex/v1/memory';
import { Tier as ProtoTier } from '@cortex/proto/cortex/v1/memory';
import type { Memory, MemoryFilter, Tier } from '../memory/index.js';

const TIER_TO_PROTO: Readonly<Record<Tier, ProtoTier>> = {
  HOT: ProtoTier.TIER_HOT,
  WARM: ProtoTier.TIER_WARM,
  COLD: ProtoTier.TIER_COLD,
};

export function tierFromProto(tier: ProtoTier): Tier | undefined {
  switch (tier) {
    case ProtoTier.TIER_HOT:
      return 'HOT';
    case ProtoTier.TIER_WARM:
      return 'WARM';
    case ProtoTier.TIER_COLD:
      return 'COLD';
    default:
      return undefined;
  }
}

export function memoryToProto(memory: Memory): ProtoMemory {
  return {
    id: memory.id,
    namespace: memory.namespace,
    agentId: memory.agentId,
    content: memory.content,
    kind: memory.kind,
    tags: [...memory.tags],
    metadata: { ...memory.metadata },
    importance: memory.importance,
    tier: TIER_TO_PROTO[memory.tier],
    createdAt: new Date(memory.createdAt),
    updatedAt: new Date(memory.updatedAt),
    lastAccessedAt: new Date(memory.lastAccessedAt),
    accessCount: memory.accessCount,
    expiresAt: memory.expiresAt === null ? undefined : new Date(memory.expiresAt),
    pinned: memory.pinned,
    version: memory.version,
    threadId: memory.threadId,
    occurredAt: memory.occurredAt === null ? undefined : new Date(memory.occurredAt),
  };
}

/** Assumes the filter was validated (see checkFilter). */
export function filterFromProto(filter: ProtoFilter | undefined): MemoryFilter {
  if (filter === undefined) return {};
  return {
    ...(filter.agentId ? { agentId: filter.agentId } : {}),
    ...(filter.kinds.length > 0 ? { kinds: filter.kinds } : {}),
    ...(filter.tags.length > 0 ? { tags: filter.tags } : {}),
    ...(filter.tiers.length > 0 ? { tiers: filter.tiers.flatMap((t) => tierFromProto(t) ?? []) } : {}),
    ...(filter.createdAfter ? { createdAfter: filter.createdAfter.getTime() } : {}),
    ...(filter.createdBefore ? { createdBefore: filter.createdBefore.getTime() } : {}),
    ...(Object.keys(filter.metadata).length > 0 ? { metadata: filter.metadata } : {}),
    ...(filter.threadIds.length > 0 ? { threadIds: filter.threadIds } : {}),
    ...(filter.occurredAfter ? { occurredAfter: filter.occurredAfter.getTime() } : {}),
    ...(filter.occurredBefore ? { occurredBefore: filter.occurredBefore.getTime() } : {}),
  };
}

import type { MemoryFilter } from '@cortex/proto/cortex/v1/memory';
import { Tier } from '@cortex/proto/cortex/v1/memory';
import { checkAgentId, METADATA_KEY_PATTERN, MEMORY_ID_PATTERN, type Validator } from './validate.js';

export const MAX_QUERY_BYTES = 10 * 1024;
export const MAX_BATCH = 500;
const MAX_KIND_BYTES = 64;
const MAX_KINDS = 32;
const MAX_TAGS = 32;
const MAX_TAG_BYTES = 64;
const MAX_METADATA_ENTRIES = 64;
const MAX_METADATA_VALUE_BYTES = 1024;
const MAX_FILTER_THREADS = 100;
/** One of each tier. */
const MAX_TIERS = 3;

export function checkMemoryId(v: Validator, field: string, id: string): void {
  v.pattern(field, id, MEMORY_ID_PATTERN, 'must be 1-128 characters of [A-Za-z0-9._:-]');
}

/** A thread id has a memory id's charset; '' (no thread) is allowed where `allowEmpty`. */
export function checkThreadId(v: Validator, field: string, threadId: string, { allowEmpty }: { allowEmpty: boolean }): void {
  if (threadId === '' && allowEmpty) return;
  v.pattern(field, threadId, MEMORY_ID_PATTERN, 'must be 1-128 characters of [A-Za-z0-9._:-]');
}

/** A timestamp the client sent: protobuf allows years 1-9999, Date.getTime() must be finite. */
export function checkInstant(v: Validator, field: string, instant: Date | undefined): void {
  if (instant !== undefined && !Number.isFinite(instant.getTime())) v.add(field, 'must be a valid timestamp');
}

/**
 * A client-supplied vector: exactly the server's dimension, finite, not all zero (a zero vector
 * has no direction, so no cosine). An empty list means "let the server embed".
 */
export function checkEmbedding(v: Validator, field: string, embedding: readonly number[], dimensions: number): void {
  if (embedding.length === 0) return;
  if (embedding.length !== dimensions) {
    v.add(field, `must have ${dimensions} components, the server's embedding dimension (got ${embedding.length})`);
    return;
  }
  const bad = embedding.findIndex((x) => !Number.isFinite(x));
  if (bad !== -1) {
    v.add(`${field}[${bad}]`, 'must be a finite number');
    return;
  }
  if (embedding.every((x) => x === 0)) v.add(field, 'must not be the zero vector');
}

export function checkKind(v: Validator, field: string, kind: string): void {
  v.text(field, kind, MAX_KIND_BYTES, { required: false });
}

export function checkTags(v: Validator, field: string, tags: readonly string[]): void {
  if (!v.maxItems(field, tags.length, MAX_TAGS)) return;
  tags.forEach((tag, i) => v.text(`${field}[${i}]`, tag, MAX_TAG_BYTES, { required: true }));
}

export function checkMetadata(v: Validator, field: string, metadata: Readonly<Record<string, string>>): void {
  const entries = Object.entries(metadata);
  if (!v.maxItems(field, entries.length, MAX_METADATA_ENTRIES)) return;
  for (const [key, value] of entries) {
    v.pattern(`${field}[${JSON.stringify(key)}]`, key, METADATA_KEY_PATTERN, 'keys must be 1-128 characters of [A-Za-z0-9._:/-]');
    v.text(`${field}[${JSON.stringify(key)}]`, value, MAX_METADATA_VALUE_BYTES, { required: false });
  }
}

const VALID_TIERS = new Set([Tier.TIER_HOT, Tier.TIER_WARM, Tier.TIER_COLD]);

export function checkFilter(v: Validator, field: string, filter: MemoryFilter | undefined): void {
  if (filter === undefined) return;
  checkAgentId(v, `${field}.agent_id`, filter.agentId, { required: false });
  if (v.maxItems(`${field}.kinds`, filter.kinds.length, MAX_KINDS)) {
    filter.kinds.forEach((kind, i) => checkKind(v, `${field}.kinds[${i}]`, kind));
  }
  checkTags(v, `${field}.tags`, filter.tags);
  if (v.maxItems(`${field}.tiers`, filter.tiers.length, MAX_TIERS)) {
    filter.tiers.forEach((tier, i) => {
      if (!VALID_TIERS.has(tier)) v.add(`${field}.tiers[${i}]`, 'must be TIER_HOT, TIER_WARM or TIER_COLD');
    });
  }
  if (filter.createdAfter && filter.createdBefore && filter.createdAfter >= filter.createdBefore) {
    v.add(`${field}.created_before`, 'must be after created_after');
  }
  if (v.maxItems(`${field}.thread_ids`, filter.threadIds.length, MAX_FILTER_THREADS)) {
    filter.threadIds.forEach((threadId, i) => checkThreadId(v, `${field}.thread_ids[${i}]`, threadId, { allowEmpty: true }));
  }
  checkInstant(v, `${field}.occurred_after`, filter.occurredAfter);
  checkInstant(v, `${field}.occurred_before`, filter.occurredBefore);
  if (filter.occurredAfter && filter.occurredBefore && filter.occurredAfter >= filter.occurredBefore) {
    v.add(`${field}.occurred_before`, 'must be after occurred_after');
  }
  checkMetadata(v, `${field}.metadata`, filter.metadata);
}

/** AIP-158: 0 means the default, larger values are coerced down, negative is an error. */
export function pageSize(v: Validator, value: number, defaults: { fallback: number; max: number }): number {
  if (value < 0) {
    v.add('page_size', 'must not be negative');
    return defaults.fallback;
  }
  if (value === 0) return defaults.fallback;
  return Math.min(value, defaults.max);
}

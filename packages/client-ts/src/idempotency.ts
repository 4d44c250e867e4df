import type { ForgetRequest, RememberRequest } from '@cortex/proto/cortex/v1/memory_service';
import type { Idempotency } from './retry.js';

/**
 * Remember upserts by id: repeating it is harmless only when every item names its id; an item
 * without one would be stored again under a new server-generated id.
 */
export function rememberIdempotency(request: RememberRequest): Idempotency {
  return request.memories.length > 0 && request.memories.every((m) => m.id !== '') ? 'idempotent' : 'unsafe';
}

/**
 * Forget by ids deletes a fixed set, so a repeat deletes nothing more. Forget by filter alone
 * could, on a repeat, delete memories written in between.
 */
export function forgetIdempotency(request: ForgetRequest): Idempotency {
  return request.ids.length > 0 ? 'idempotent' : 'unsafe';
}

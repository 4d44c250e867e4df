export type Tier = 'HOT' | 'WARM' | 'COLD';

export interface Memory {
  readonly id: string;
  readonly namespace: string;
  readonly agentId: string;
  readonly content: string;
  readonly kind: string;
  readonly tags: readonly string[];
  readonly metadata: Readonly<Record<string, string>>;
  readonly importance: number;
  readonly tier: Tier;
  readonly pinned: boolean;
  /** Milliseconds since the Unix epoch, like every instant in domain code. */
  readonly createdAt: number;
  readonly updatedAt: number;
  readonly lastAccessedAt: number;
  readonly accessCount: number;
  readonly expiresAt: number | null;
  readonly version: number;
  /** The conversation or episode the memory belongs to; '' for none. */
  readonly threadId: string;
  /** When the remembered event happened (ms since the epoch), if the client said. */
  readonly occurredAt: number | null;
}

export interface MemoryInput {
  readonly id?: string;
  readonly agentId: string;
  readonly content: string;
  readonly kind: string;
  readonly tags: readonly string[];
  readonly metadata: Readonly<Record<string, string>>;
  readonly importance?: number;
  readonly expiresAt: number | null;
  readonly pinned: boolean;
  /** See Memory.threadId; '' when absent. */
  readonly threadId?: string;
  /** See Memory.occurredAt. */
  readonly occurredAt?: number | null;
  /** A client-made vector for the whole content, already checked to have the right dimension. */
  readonly embedding?: Float32Array;
}

export interface MemoryFilter {
  readonly agentId?: string;
  /** Any of these owners; '' stands for the namespace's shared memories. */
  readonly agentIds?: readonly string[];
  readonly kinds?: readonly string[];
  readonly tags?: readonly string[];
  readonly tiers?: readonly Tier[];
  readonly createdAfter?: number;
  readonly createdBefore?: number;
  readonly metadata?: Readonly<Record<string, string>>;
  /** Any of these threads; '' stands for memories without a thread. */
  readonly threadIds?: readonly string[];
  /** Occurred at or after (memories without occurredAt never pass). */
  readonly occurredAfter?: number;
  /** Occurred strictly before (memories without occurredAt never pass). */
  readonly occurredBefore?: number;
}

/** Who asked, carried into every ledger entry a request causes. */
export interface RequestContext {
  readonly actor: string;
  readonly correlationId: string;
}

export type RememberOutcome = 'CREATED' | 'UPDATED' | 'UNCHANGED';

export const DEFAULT_IMPORTANCE = 0.5;

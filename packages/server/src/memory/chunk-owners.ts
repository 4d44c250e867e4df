/** The memory a chunk label belongs to. */
export interface ChunkOwner {
  readonly rowId: number;
  readonly namespace: string;
}

const NONE: ReadonlySet<number> = new Set();

/**
 * Which memory each indexed chunk label belongs to, and each namespace's labels: a search stays
 * inside its namespace without SQL, and looks only at that namespace's labels when it scans.
 */
export function createChunkOwners() {
  const owners = new Map<number, ChunkOwner>();
  const byNamespace = new Map<string, Set<number>>();

  function remove(label: number): void {
    const owner = owners.get(label);
    if (owner === undefined) return;
    owners.delete(label);
    const labels = byNamespace.get(owner.namespace)!;
    labels.delete(label);
    if (labels.size === 0) byNamespace.delete(owner.namespace);
  }

  return {
    get: (label: number): ChunkOwner | undefined => owners.get(label),
    set(label: number, owner: ChunkOwner): void {
      remove(label);
      owners.set(label, owner);
      let labels = byNamespace.get(owner.namespace);
      if (labels === undefined) byNamespace.set(owner.namespace, (labels = new Set()));
      labels.add(label);
    },
    delete: remove,
    /** A namespace's labels (live view: do not hold on to it across changes). */
    labelsIn: (namespace: string): ReadonlySet<number> => byNamespace.get(namespace) ?? NONE,
    size: (): number => owners.size,
  };
}

export type ChunkOwners = ReturnType<typeof createChunkOwners>;

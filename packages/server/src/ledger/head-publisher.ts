import { syncPath } from '../storage/durable-files.js';
import type { TreeHead } from './heads.js';
import { writeHeadFile, type TrustedHeadFiles } from './trusted-heads.js';

export interface HeadPublisherDeps {
  /** The database file; its write-ahead log is fsynced before a head leaves the process. */
  readonly dbPath: string;
  readonly files: TrustedHeadFiles;
  /** Hands a published head to the subscribers. */
  readonly offer: (head: TreeHead) => void;
}

export interface HeadPublisher {
  /**
   * Makes a head known once it is durable: fsyncs the write-ahead log (with synchronous=NORMAL a
   * commit is not yet on disk), writes the trusted-head files, offers it to subscribers.
   * Resolves once this head or a newer one is published; older heads are skipped.
   */
  publish(head: TreeHead): Promise<void>;
  /** The newest head published. */
  published(): TreeHead | undefined;
}

export function createHeadPublisher({ dbPath, files, offer }: HeadPublisherDeps): HeadPublisher {
  let latest: TreeHead | undefined;
  let wanted: TreeHead | undefined;
  // One publication at a time, in order; a failed one does not stop the next.
  let chain: Promise<void> = Promise.resolve();

  async function run(): Promise<void> {
    while (wanted !== undefined && wanted.treeSize > (latest?.treeSize ?? -1)) {
      const head = wanted;
      await syncWal(dbPath);
      await writeHeadFile(files.dataDir, head.note);
      if (files.outside !== undefined) await writeHeadFile(files.outside, head.note);
      latest = head;
      offer(head);
    }
  }

  return {
    publish(head) {
      if (head.treeSize <= (latest?.treeSize ?? -1)) return Promise.resolve();
      if (head.treeSize > (wanted?.treeSize ?? -1)) wanted = head;
      chain = chain.catch(() => undefined).then(run);
      return chain;
    },
    published: () => latest,
  };
}

async function syncWal(dbPath: string): Promise<void> {
  try {
    await syncPath(`${dbPath}-wal`);
  } catch (error: unknown) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    await syncPath(dbPath);
  }
}

/**
 * Numbered schema migrations. Append only: a migration that has shipped is never edited,
 * a change is a new migration. `user_version` records the last one applied.
 */
export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'memories, keyword index, agent state, ledger',
    sql: `
      CREATE TABLE memories (
        row_id INTEGER PRIMARY KEY,
        namespace TEXT NOT NULL,
        id TEXT NOT NULL,
        agent_id TEXT NOT NULL DEFAULT '',
        content TEXT NOT NULL,
        kind TEXT NOT NULL DEFAULT '',
        tags TEXT NOT NULL DEFAULT '[]',
        metadata TEXT NOT NULL DEFAULT '{}',
        importance REAL NOT NULL,
        tier INTEGER NOT NULL,
        pinned INTEGER NOT NULL DEFAULT 0,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL,
        last_accessed_at INTEGER NOT NULL,
        access_count INTEGER NOT NULL DEFAULT 0,
        expires_at INTEGER,
        version INTEGER NOT NULL,
        content_hash TEXT NOT NULL,
        UNIQUE (namespace, id)
      );
      CREATE INDEX memories_by_page ON memories (namespace, created_at, id);
      CREATE INDEX memories_by_agent ON memories (namespace, agent_id, tier);
      CREATE INDEX memories_by_expiry ON memories (expires_at) WHERE expires_at IS NOT NULL;

      CREATE TABLE memory_tags (
        row_id INTEGER NOT NULL REFERENCES memories (row_id) ON DELETE CASCADE,
        tag TEXT NOT NULL,
        PRIMARY KEY (row_id, tag)
      ) WITHOUT ROWID;
      CREATE INDEX memory_tags_by_tag ON memory_tags (tag, row_id);

      -- External-content FTS5 table: the text lives once, in memories.
      CREATE VIRTUAL TABLE memories_fts USING fts5 (
        content, content='memories', content_rowid='row_id', tokenize='porter unicode61 remove_diacritics 2'
      );
      CREATE TRIGGER memories_fts_insert AFTER INSERT ON memories BEGIN
        INSERT INTO memories_fts (rowid, content) VALUES (new.row_id, new.content);
      END;
      CREATE TRIGGER memories_fts_delete AFTER DELETE ON memories BEGIN
        INSERT INTO memories_fts (memories_fts, rowid, content) VALUES ('delete', old.row_id, old.content);
      END;
      CREATE TRIGGER memories_fts_update AFTER UPDATE OF content ON memories BEGIN
        INSERT INTO memories_fts (memories_fts, rowid, content) VALUES ('delete', old.row_id, old.content);
        INSERT INTO memories_fts (rowid, content) VALUES (new.row_id, new.content);
      END;

      CREATE TABLE agent_state (
        namespace TEXT NOT NULL,
        agent_id TEXT NOT NULL,
        version INTEGER NOT NULL,
        state TEXT NOT NULL,
        updated_at INTEGER NOT NULL,
        PRIMARY KEY (namespace, agent_id)
      ) WITHOUT ROWID;

      -- One row, rewritten by health checks to prove the database takes writes.
      CREATE TABLE health_probe (id INTEGER PRIMARY KEY CHECK (id = 1), checked_at INTEGER NOT NULL);

      CREATE TABLE ledger (
        seq INTEGER PRIMARY KEY,
        tx_id INTEGER NOT NULL,
        time INTEGER NOT NULL,
        namespace TEXT NOT NULL,
        actor TEXT NOT NULL,
        action TEXT NOT NULL,
        subject TEXT NOT NULL,
        agent_id TEXT NOT NULL,
        payload TEXT NOT NULL,
        correlation_id TEXT NOT NULL,
        prev_hash TEXT NOT NULL,
        hash TEXT NOT NULL
      );
    `,
  },
  {
    version: 2,
    name: 'embedding cache and per-chunk vectors',
    sql: `
      CREATE TABLE embedding_cache (
        content_hash TEXT PRIMARY KEY,
        model_id TEXT NOT NULL,
        vector BLOB NOT NULL,
        created_at INTEGER NOT NULL
      );
      -- One row per embedded chunk; chunk_id is the HNSW label.
      CREATE TABLE memory_chunks (
        chunk_id INTEGER PRIMARY KEY,
        row_id INTEGER NOT NULL REFERENCES memories (row_id) ON DELETE CASCADE,
        chunk_index INTEGER NOT NULL,
        vector BLOB NOT NULL,
        UNIQUE (row_id, chunk_index)
      );
    `,
  },
  {
    version: 3,
    name: 'ledger checkpoints and archived segments',
    sql: `
      -- Signed (seq, hash) pairs; see docs/ledger.md for the signed encoding.
      CREATE TABLE ledger_checkpoints (
        seq INTEGER PRIMARY KEY,
        hash TEXT NOT NULL,
        time INTEGER NOT NULL,
        key_id TEXT NOT NULL,
        algorithm TEXT NOT NULL,
        public_key TEXT NOT NULL,
        signature TEXT NOT NULL
      );
      -- One row per sealed segment written to the cold archive. live = 1 while its entries are
      -- also still in the ledger table; expired_at is set when retention deleted the file.
      CREATE TABLE ledger_segments (
        first_seq INTEGER PRIMARY KEY,
        last_seq INTEGER NOT NULL UNIQUE,
        entry_count INTEGER NOT NULL,
        first_prev_hash TEXT NOT NULL,
        last_hash TEXT NOT NULL,
        first_time INTEGER NOT NULL,
        last_time INTEGER NOT NULL,
        file TEXT NOT NULL,
        sha256 TEXT NOT NULL,
        bytes INTEGER NOT NULL,
        archived_at INTEGER NOT NULL,
        live INTEGER NOT NULL DEFAULT 1,
        expired_at INTEGER
      );
    `,
  },
  {
    version: 4,
    name: 'vector index change counter',
    sql: `
      -- Bumped in every transaction that changes memory_chunks; the HNSW file records the value
      -- it reflects, so a file behind the database is detected and rebuilt at start.
      CREATE TABLE vector_index_state (id INTEGER PRIMARY KEY CHECK (id = 1), change_seq INTEGER NOT NULL);
      INSERT INTO vector_index_state (id, change_seq) VALUES (1, 0);
    `,
  },
  {
    version: 5,
    name: 'memory tiers: compressed COLD content, tier scans by last access',
    sql: `
      -- A COLD memory keeps its text here (raw DEFLATE of the UTF-8 bytes) while content is '',
      -- which takes it out of the keyword index through the FTS triggers. NULL for HOT and WARM.
      ALTER TABLE memories ADD COLUMN content_compressed BLOB;
      -- Tier maintenance walks one tier at a time ordered by last access (archive and promote
      -- candidates are ranges of last_accessed_at).
      CREATE INDEX memories_by_tier_access ON memories (tier, last_accessed_at);
    `,
  },
  {
    version: 6,
    name: 'vector index change log',
    sql: `
      -- The chunk labels each vector_index_state.change_seq added to (op 1) or removed from (op 0)
      -- the HNSW index, written in the same transaction; id keeps their order within a change_seq.
      -- At start a file that is behind replays the rows after its lastChange instead of rebuilding;
      -- rows the saved file already reflects are pruned after each save. Every change_seq has at
      -- least one row, so the log covers a gap (a, b] exactly when it holds b - a distinct values above a.
      CREATE TABLE vector_index_log (
        id INTEGER PRIMARY KEY,
        change_seq INTEGER NOT NULL,
        chunk_id INTEGER NOT NULL,
        op INTEGER NOT NULL CHECK (op IN (0, 1))
      );
      CREATE INDEX vector_index_log_by_seq ON vector_index_log (change_seq);
    `,
  },
  {
    version: 7,
    name: 'ledger entries keep the claimed actor apart, under encoding 2',
    sql: `
      -- Who a Record caller said it acted for; the actor column holds the authenticated principal.
      ALTER TABLE ledger ADD COLUMN on_behalf_of TEXT NOT NULL DEFAULT '';
      -- The canonical encoding the entry's hash covers (docs/ledger.md): earlier rows keep 1.
      ALTER TABLE ledger ADD COLUMN encoding INTEGER NOT NULL DEFAULT 1;
    `,
  },
  {
    version: 8,
    name: 'ledger Merkle tree, signed tree heads, sealed tip, verified segment records',
    sql: `
      -- Every node of the RFC 9162 Merkle tree over the entries (ledger/merkle.ts), keyed by its
      -- position in the order appending leaves completes them. Never pruned: proofs outlive entries.
      CREATE TABLE ledger_tree (position INTEGER PRIMARY KEY, hash BLOB NOT NULL);
      -- Signed tree heads (ledger/heads.ts): the signed note, keyed by the tree size it commits to.
      CREATE TABLE ledger_heads (tree_size INTEGER PRIMARY KEY, note TEXT NOT NULL);
      -- The last entry's seq and hash under an HMAC (ledger/tip.ts), rewritten by every append.
      CREATE TABLE ledger_tip (id INTEGER PRIMARY KEY CHECK (id = 1), seq INTEGER NOT NULL, hash TEXT NOT NULL, mac TEXT NOT NULL);
      -- Signed tree heads replace the signed (seq, hash) checkpoints; a ledger written before this
      -- migration has no tree, heads or tip and is kept for reading only (docs/ledger.md, Upgrading).
      DROP TABLE ledger_checkpoints;
      -- A segment record keeps only what its signed manifest vouches for. sha256 is NULL while the
      -- files are written (the record comes first, so a manifest without one is evidence);
      -- expired = 1 once retention deleted the files, which a ledger entry records.
      CREATE TABLE ledger_segments_v8 (
        first_seq INTEGER PRIMARY KEY,
        last_seq INTEGER NOT NULL UNIQUE,
        last_time INTEGER NOT NULL,
        last_hash TEXT NOT NULL,
        sha256 TEXT,
        expired INTEGER NOT NULL DEFAULT 0 CHECK (expired IN (0, 1))
      );
      INSERT INTO ledger_segments_v8 (first_seq, last_seq, last_time, last_hash, sha256, expired)
        SELECT first_seq, last_seq, last_time, last_hash, sha256, expired_at IS NOT NULL FROM ledger_segments;
      DROP TABLE ledger_segments;
      ALTER TABLE ledger_segments_v8 RENAME TO ledger_segments;
    `,
  },
  {
    version: 9,
    name: 'threads and event time, per-namespace keyword index, vectors by model',
    sql: `
      -- The conversation a memory belongs to ('' for none) and when its event happened (NULL when
      -- the client did not say). A thread is ordered by COALESCE(occurred_at, created_at), row_id.
      ALTER TABLE memories ADD COLUMN thread_id TEXT NOT NULL DEFAULT '';
      ALTER TABLE memories ADD COLUMN occurred_at INTEGER;
      CREATE INDEX memories_by_thread ON memories (namespace, thread_id, COALESCE(occurred_at, created_at), row_id)
        WHERE thread_id != '';

      -- Which embedding model made each vector ('' for vectors stored before this column: they were
      -- made by the model the server ran then, which start-up records as vector_index_state.model).
      -- window = 1 marks the vector of a memory's thread window rather than of its own text.
      ALTER TABLE memory_chunks ADD COLUMN model TEXT NOT NULL DEFAULT '';
      ALTER TABLE memory_chunks ADD COLUMN window_vector INTEGER NOT NULL DEFAULT 0;
      ALTER TABLE memory_chunks ADD COLUMN source_hash TEXT NOT NULL DEFAULT '';
      ALTER TABLE vector_index_state ADD COLUMN model TEXT NOT NULL DEFAULT '';
      -- Memories whose vectors must be (re)made in the background: after a change of model, or
      -- when a neighbour's change altered their thread window.
      CREATE TABLE vector_backlog (row_id INTEGER PRIMARY KEY REFERENCES memories (row_id) ON DELETE CASCADE);

      -- The keyword index (index/keyword.ts): BM25F statistics per namespace instead of FTS5's
      -- one set for all, and COLD memories stay searchable. Start-up indexes the memories written
      -- before this migration (their text is in memories.content or content_compressed).
      DROP TRIGGER memories_fts_insert;
      DROP TRIGGER memories_fts_delete;
      DROP TRIGGER memories_fts_update;
      DROP TABLE memories_fts;
      CREATE TABLE keyword_namespaces (
        ns_id INTEGER PRIMARY KEY,
        namespace TEXT NOT NULL UNIQUE,
        docs INTEGER NOT NULL,
        own_tokens INTEGER NOT NULL,
        context_tokens INTEGER NOT NULL
      );
      -- One row per indexed memory: its lengths and its terms (to take it out again exactly).
      CREATE TABLE keyword_docs (
        row_id INTEGER PRIMARY KEY,
        ns_id INTEGER NOT NULL,
        own_tokens INTEGER NOT NULL,
        context_tokens INTEGER NOT NULL,
        terms TEXT NOT NULL
      );
      CREATE TABLE keyword_terms (
        ns_id INTEGER NOT NULL,
        term TEXT NOT NULL,
        docs INTEGER NOT NULL,
        PRIMARY KEY (ns_id, term)
      ) WITHOUT ROWID;
      -- The document's lengths ride along with each posting, so scoring reads postings only.
      CREATE TABLE keyword_postings (
        ns_id INTEGER NOT NULL,
        term TEXT NOT NULL,
        row_id INTEGER NOT NULL,
        own_tf INTEGER NOT NULL,
        context_tf INTEGER NOT NULL,
        own_tokens INTEGER NOT NULL,
        context_tokens INTEGER NOT NULL,
        PRIMARY KEY (ns_id, term, row_id)
      ) WITHOUT ROWID;
    `,
  },
];

export const SCHEMA_VERSION = Math.max(...MIGRATIONS.map((m) => m.version));

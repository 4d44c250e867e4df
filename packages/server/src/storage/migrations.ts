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
];

export const SCHEMA_VERSION = MIGRATIONS.length;

import type Database from 'better-sqlite3';

type Params = Array<string | number>;

/**
 * Prepared statements by SQL text, for SQL that follows a filter's shape (which clauses it has)
 * rather than its values: each shape is prepared once and reused; beyond `size` shapes the oldest
 * is dropped.
 */
export function createStatementCache(db: Database.Database, size = 32) {
  const statements = new Map<string, Database.Statement<Params>>();
  return function prepared<Row>(sql: string): Database.Statement<Params, Row> {
    let statement = statements.get(sql);
    if (statement === undefined) {
      statement = db.prepare<Params>(sql);
      if (statements.size >= size) statements.delete(statements.keys().next().value!);
      statements.set(sql, statement);
    }
    return statement as Database.Statement<Params, Row>;
  };
}

export type StatementCache = ReturnType<typeof createStatementCache>;

// LoCoMo retrieval evaluation through the real gRPC API (procedure: shared/eval/README.md).
// Starts the real server in-process on a temp data dir, stores every turn of each conversation as
// one memory (namespace per conversation; thread = its session, occurred_at = the session's date,
// which is all an agent knows of a turn besides its text and speaker), then asks Recall (top 10)
// in VECTOR, KEYWORD and HYBRID mode for each question of categories 1-4 and scores recall@5,
// recall@10 and MRR against the evidence, with each mode's latency per query.
//
// Usage: npx tsx bench/eval-locomo.ts [--data DIR] [--content speaker|plain] [--dump FILE]
//   --data     conversations directory (default $CORTEX_EVAL_DATA or ../../../shared/eval/locomo-dev)
//   --content  "speaker" stores "Speaker: text" (default), "plain" stores the text alone
//   --dump     also write every question's ranked ids per mode to FILE (for error analysis)
//   --server-dir  keep the server's data in DIR and reuse it on the next run: its embedding cache
//              then answers repeated turns and questions without inference (for quick iteration);
//              the conversations' memories are forgotten and stored again, so they are indexed
//              by the code being measured
// Prints one JSON document on stdout and a markdown table on stderr.
import { mkdirSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { RecallMode, type MemoryInput } from '@cortex/proto/cortex/v1/memory_service';
import { call, startTestServer } from '../test/harness.js';
import { latencySummary, option, progress, round } from './lib/cli.js';
import { CATEGORIES, loadConversations, turnContent, type Category, type ContentFormat } from './lib/locomo.js';

const TOP_K = 10;
const CUTOFFS = [5, 10] as const;
const BATCH = 500;
const MODES = {
  VECTOR: RecallMode.RECALL_MODE_VECTOR,
  KEYWORD: RecallMode.RECALL_MODE_KEYWORD,
  HYBRID: RecallMode.RECALL_MODE_HYBRID,
} as const;
type ModeName = keyof typeof MODES;
const KIND = 'dialog-turn';
const NO_FILTER = {
  agentId: '',
  kinds: [],
  tags: [],
  tiers: [],
  createdAfter: undefined,
  createdBefore: undefined,
  metadata: {},
  threadIds: [],
  occurredAfter: undefined,
  occurredBefore: undefined,
};

const dataDir = resolve(
  option('data', process.env.CORTEX_EVAL_DATA ?? resolve(import.meta.dirname, '..', '..', '..', '..', 'shared', 'eval', 'locomo-dev')),
);
const contentArg = option('content', 'speaker');
if (contentArg !== 'speaker' && contentArg !== 'plain') throw new Error(`--content must be "speaker" or "plain", got ${contentArg}`);
const content: ContentFormat = contentArg;
const dumpPath = option('dump', '');
const serverDir = option('server-dir', '');

/** Running sums of recall@k and reciprocal rank over questions. */
class Tally {
  n = 0;
  readonly sums = new Map<number, number>(CUTOFFS.map((k) => [k, 0]));
  reciprocalRanks = 0;
  add(ranked: readonly string[], evidence: readonly string[]): void {
    this.n += 1;
    for (const k of CUTOFFS) {
      const top = new Set(ranked.slice(0, k));
      this.sums.set(k, this.sums.get(k)! + evidence.filter((id) => top.has(id)).length / evidence.length);
    }
    const first = ranked.findIndex((id) => evidence.includes(id));
    this.reciprocalRanks += first === -1 ? 0 : 1 / (first + 1);
  }
  report(): { questions: number; 'recall@5': number; 'recall@10': number; mrr: number } {
    const mean = (sum: number) => (this.n === 0 ? 0 : round(sum / this.n, 4));
    return { questions: this.n, 'recall@5': mean(this.sums.get(5)!), 'recall@10': mean(this.sums.get(10)!), mrr: mean(this.reciprocalRanks) };
  }
}

const categoryLabel = (c: Category): string => `${c} ${CATEGORIES[c]}`;

async function main(): Promise<void> {
  const conversations = loadConversations(dataDir);
  if (conversations.length === 0) throw new Error(`no *.json conversations in ${dataDir}`);
  const started = performance.now();
  progress(`starting server; ${conversations.length} conversations from ${dataDir}; content=${content}`);
  if (serverDir) mkdirSync(serverDir, { recursive: true });
  const server = await startTestServer(serverDir ? { dataDir: resolve(serverDir) } : {});
  const memory = server.memory;
  const tallies = Object.fromEntries(
    (Object.keys(MODES) as ModeName[]).map((mode) => [
      mode,
      { overall: new Tally(), byCategory: new Map<Category, Tally>(([1, 2, 3, 4] as const).map((c) => [c, new Tally()])) },
    ]),
  ) as Record<ModeName, { overall: Tally; byCategory: Map<Category, Tally> }>;
  const latencies = { VECTOR: [] as number[], KEYWORD: [] as number[], HYBRID: [] as number[] } satisfies Record<ModeName, number[]>;
  const dump: unknown[] = [];
  let storeMs = 0;
  let recallMs = 0;
  let recalls = 0;
  try {
    // Everything is stored before the first question, so a run measures a server holding every
    // conversation (keyword statistics are per namespace, so the order would not matter to them).
    const namespaceOf = (name: string): string => `locomo-${name}`.replace(/[^A-Za-z0-9._-]/g, '_');
    for (const conversation of conversations) {
      const namespace = namespaceOf(conversation.name);
      if (serverDir) await call(memory.forget.bind(memory), { namespace, ids: [], filter: { ...NO_FILTER, kinds: [KIND] } });
      const t0 = performance.now();
      const inputs: MemoryInput[] = conversation.turns.map((turn) => ({
        id: turn.id,
        agentId: '',
        content: turnContent(turn, content),
        kind: KIND,
        tags: [],
        metadata: { speaker: turn.speaker, session: String(turn.session), session_date: turn.sessionDate },
        importance: undefined,
        expiresAt: undefined,
        pinned: false,
        threadId: `session-${turn.session}`,
        occurredAt: turn.sessionTime,
        embedding: [],
      }));
      for (let i = 0; i < inputs.length; i += BATCH) {
        await call(memory.remember.bind(memory), { namespace, memories: inputs.slice(i, i + BATCH) });
      }
      storeMs += performance.now() - t0;
      progress(`[${conversation.name}] stored ${inputs.length} turns in ${Math.round(performance.now() - t0)} ms`);
    }

    for (const conversation of conversations) {
      const namespace = namespaceOf(conversation.name);
      const t1 = performance.now();
      for (const q of conversation.questions) {
        const ranked = {} as Record<ModeName, string[]>;
        for (const mode of Object.keys(MODES) as ModeName[]) {
          const asked = performance.now();
          const response = await call(memory.recall.bind(memory), {
            namespace,
            query: q.question,
            topK: TOP_K,
            mode: MODES[mode],
            filter: undefined,
            minScore: 0,
          });
          latencies[mode].push(performance.now() - asked);
          recalls += 1;
          ranked[mode] = response.hits.map((hit) => hit.memory?.id ?? '');
          tallies[mode].overall.add(ranked[mode], q.evidence);
          tallies[mode].byCategory.get(q.category)!.add(ranked[mode], q.evidence);
        }
        if (dumpPath) dump.push({ conversation: conversation.name, ...q, ranked });
      }
      recallMs += performance.now() - t1;
      progress(`[${conversation.name}] ${conversation.questions.length} questions asked in ${Math.round(performance.now() - t1)} ms`);
    }
  } finally {
    await server.stop({ keepData: serverDir !== '' });
  }

  const modes = Object.fromEntries(
    (Object.keys(MODES) as ModeName[]).map((mode) => [
      mode,
      {
        overall: tallies[mode].overall.report(),
        byCategory: Object.fromEntries([...tallies[mode].byCategory].map(([c, t]) => [categoryLabel(c), t.report()])),
      },
    ]),
  );
  const report = {
    benchmark: 'locomo-retrieval',
    data: {
      dir: dataDir,
      conversations: conversations.map((c) => c.name),
      turns: conversations.reduce((s, c) => s + c.turns.length, 0),
      questions: conversations.reduce((s, c) => s + c.questions.length, 0),
      questionsByCategory: Object.fromEntries(
        ([1, 2, 3, 4] as const).map((cat) => [
          categoryLabel(cat),
          conversations.reduce((s, c) => s + c.questions.filter((q) => q.category === cat).length, 0),
        ]),
      ),
      questionsSkippedWithoutEvidence: conversations.reduce((s, c) => s + c.questionsWithoutEvidence, 0),
      unresolvedEvidenceRefs: conversations.flatMap((c) => c.unresolvedEvidence.map((id) => `${c.name}/${id}`)),
    },
    settings: {
      topK: TOP_K,
      content: content === 'speaker' ? 'speaker: text [+ shares a photo: caption]' : 'text [+ shares a photo: caption]',
      metadata: ['speaker', 'session', 'session_date'],
      thread: 'session-N',
      occurredAt: 'the session date',
      api: 'gRPC MemoryService.Remember / Recall against an in-process server',
    },
    modes,
    latencyPerQuery: Object.fromEntries((Object.keys(MODES) as ModeName[]).map((mode) => [mode, latencySummary(latencies[mode])])),
    timing: {
      storeMs: Math.round(storeMs),
      recalls,
      meanRecallMsEndToEnd: round(recallMs / Math.max(1, recalls), 2),
      totalSec: round((performance.now() - started) / 1000, 1),
    },
  };
  process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  if (dumpPath) writeFileSync(dumpPath, JSON.stringify(dump));
  progress(markdownTable(modes));
  progress(
    (Object.keys(MODES) as ModeName[])
      .map((mode) => `${mode}: p50 ${report.latencyPerQuery[mode]!.p50Ms} ms, p99 ${report.latencyPerQuery[mode]!.p99Ms} ms per query`)
      .join('\n'),
  );
}

function markdownTable(modes: Record<string, { overall: ReturnType<Tally['report']>; byCategory: Record<string, ReturnType<Tally['report']>> }>): string {
  const columns = [...([1, 2, 3, 4] as const).map(categoryLabel), 'overall'];
  const sample = modes.HYBRID!;
  const counts = columns.map((c) => (c === 'overall' ? sample.overall.questions : sample.byCategory[c]!.questions));
  const lines = [
    `| mode | metric | ${columns.map((c, i) => `${c} (n=${counts[i]})`).join(' | ')} |`,
    `|---|---|${columns.map(() => '---:').join('|')}|`,
  ];
  for (const [mode, result] of Object.entries(modes)) {
    for (const key of ['recall@5', 'recall@10', 'mrr'] as const) {
      const cells = columns.map((c) => (c === 'overall' ? result.overall[key] : result.byCategory[c]![key]).toFixed(3));
      lines.push(`| ${mode} | ${key} | ${cells.join(' | ')} |`);
    }
  }
  return lines.join('\n');
}

await main();

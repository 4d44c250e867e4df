// Context quality evaluation through the real gRPC API (issue 13): how much of a question's evidence
// reaches the text BuildContext packs, at several budgets, in two modes:
//   memory   every turn of a conversation is remembered (as eval-locomo.ts stores it) and
//            BuildContext draws on the namespace; a turn survives when its memory is packed.
//            Recall (HYBRID) top 10 and top 50 for the same question are the yardsticks.
//   history  nothing is remembered; the whole conversation goes in as `history` (speaker as role,
//            the session's time as `at`) and a turn survives when its text reaches the packed text:
//            whole, or through summary quotes holding at least half of its words (bench/lib/evidence.ts).
//
// Usage: npx tsx bench/eval-context.ts [--data DIR] [--model gpt-4o] [--budgets 1000,2000,4000,8000]
//          [--modes memory,history] [--questions N] [--server-dir DIR] [--dump FILE]
//   --data        conversations directory (default $CORTEX_EVAL_DATA or ../../../shared/eval/locomo-dev)
//   --questions   at most N questions per conversation (default all), for quick runs
//   --server-dir  keep the server's data in DIR and reuse it: its embedding cache then answers every
//                 turn, sentence and question embedded before, so a rerun measures packing, not the model
//   --dump        write each question's per-budget outcome to FILE (for error analysis)
// Prints one JSON document on stdout and a markdown table on stderr.
import { mkdirSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { BuildContextRequest, type BuildContextResponse, type ConversationTurn } from '@cortex/proto/cortex/v1/context_service';
import { RecallMode, type MemoryInput } from '@cortex/proto/cortex/v1/memory_service';
import { call, startTestServer, type TestServer } from '../test/harness.js';
import { latencySummary, option, progress, round } from './lib/cli.js';
import { matchEvidence, normalizeForMatch } from './lib/evidence.js';
import { loadConversations, turnContent, type Conversation, type Question } from './lib/locomo.js';

const dataDir = resolve(
  option('data', process.env.CORTEX_EVAL_DATA ?? resolve(import.meta.dirname, '..', '..', '..', '..', 'shared', 'eval', 'locomo-dev')),
);
const model = option('model', 'gpt-4o');
const budgets = option('budgets', '1000,2000,4000,8000').split(',').map(Number);
const modes = option('modes', 'memory,history').split(',');
const questionLimit = Number(option('questions', '0')) || Number.POSITIVE_INFINITY;
const serverDir = option('server-dir', '');
const dumpPath = option('dump', '');
const BATCH = 500;
/** The long-history case: this many turns, summarized once to warm the embedding cache, then timed. */
const LONG_HISTORY_TURNS = 700;
const LONG_HISTORY_CALLS = 100;
/** A summary quoting at least this share of an evidence turn's words carries the turn. */
const SURVIVAL_WORD_SHARE = 0.5;

for (const b of budgets) if (!Number.isSafeInteger(b) || b <= 0) throw new Error(`--budgets must be positive integers, got ${option('budgets', '')}`);
for (const m of modes) if (m !== 'memory' && m !== 'history') throw new Error(`--modes takes memory and/or history, got ${m}`);

/** Per mode and budget: survival and tokens summed over questions, latencies listed. */
class Tally {
  questions = 0;
  survival = 0;
  wholeTurns = 0;
  tokens = 0;
  readonly latencies: number[] = [];
  readonly cpu: number[] = [];
  add(survival: number, whole: number, tokens: number, time: { ms: number; cpuMs: number }): void {
    this.questions += 1;
    this.survival += survival;
    this.wholeTurns += whole;
    this.tokens += tokens;
    this.latencies.push(time.ms);
    this.cpu.push(time.cpuMs);
  }
  report() {
    const mean = (x: number) => round(x / Math.max(1, this.questions), 4);
    const { p50Ms, p99Ms } = latencySummary(this.latencies);
    const cpu = latencySummary(this.cpu);
    return {
      questions: this.questions,
      survival: mean(this.survival),
      wholeTurnSurvival: mean(this.wholeTurns),
      meanTokensUsed: round(this.tokens / Math.max(1, this.questions), 1),
      p50Ms,
      p99Ms,
      cpuP50Ms: cpu.p50Ms,
      cpuP99Ms: cpu.p99Ms,
    };
  }
}

const namespaceOf = (conversation: Conversation, mode: string): string => `ctx-${mode}-${conversation.name}`.replace(/[^A-Za-z0-9._-]/g, '_');

/** Wall time, and the CPU time of this process (client and in-process server together), which a busy machine does not inflate. */
async function timed<T>(fn: () => Promise<T>): Promise<{ value: T; ms: number; cpuMs: number }> {
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  const value = await fn();
  const cpu = process.cpuUsage(cpu0);
  return { value, ms: performance.now() - t0, cpuMs: (cpu.user + cpu.system) / 1000 };
}

function buildRequest(namespace: string, question: Question, tokenBudget: number, history: ConversationTurn[] = []): BuildContextRequest {
  return BuildContextRequest.fromPartial({ namespace, query: question.question, tokenBudget, model, history });
}

const share = (found: number, evidence: readonly string[]): number => found / evidence.length;

async function rememberConversation(server: TestServer, conversation: Conversation): Promise<void> {
  const inputs: MemoryInput[] = conversation.turns.map((turn) => ({
    id: turn.id, agentId: '', content: turnContent(turn, 'speaker'), kind: 'dialog-turn', tags: [],
    metadata: { speaker: turn.speaker, session: String(turn.session), session_date: turn.sessionDate },
    importance: undefined, expiresAt: undefined, pinned: false,
    // As eval-locomo.ts stores them: the session is the thread, its date when the turn happened.
    threadId: `session-${turn.session}`, occurredAt: turn.sessionTime, embedding: [],
  }));
  for (let i = 0; i < inputs.length; i += BATCH) {
    await call(server.memory.remember.bind(server.memory), { namespace: namespaceOf(conversation, 'memory'), memories: inputs.slice(i, i + BATCH) });
  }
}

async function main(): Promise<void> {
  const conversations = loadConversations(dataDir);
  if (conversations.length === 0) throw new Error(`no *.json conversations in ${dataDir}`);
  const started = performance.now();
  if (serverDir) mkdirSync(serverDir, { recursive: true });
  const server = await startTestServer(serverDir ? { dataDir: resolve(serverDir) } : {});
  const build = (request: BuildContextRequest) =>
    timed(() => call<BuildContextRequest, BuildContextResponse>(server.context.buildContext.bind(server.context), request));
  const tallies = new Map<string, Tally>();
  const tally = (key: string): Tally => tallies.get(key) ?? tallies.set(key, new Tally()).get(key)!;
  const recall = { at10: 0, at50: 0, questions: 0 };
  const dump: unknown[] = [];
  let longHistory: Awaited<ReturnType<typeof longHistoryLatency>> | undefined;
  try {
    if (modes.includes('memory')) {
      // All conversations first, as eval-locomo.ts stores them.
      for (const conversation of conversations) await rememberConversation(server, conversation);
      progress(`remembered ${conversations.length} conversations`);
    }
    for (const conversation of conversations) {
      const questions = conversation.questions.slice(0, questionLimit);
      const history = conversation.turns.map((turn) => ({ role: turn.speaker, content: turnContent(turn, 'plain'), at: turn.sessionTime }));
      const textOf = new Map(conversation.turns.map((turn) => [turn.id, turnContent(turn, 'plain')]));
      for (const question of questions) {
        const outcome: Record<string, unknown> = { conversation: conversation.name, question: question.question };
        if (modes.includes('memory')) {
          const namespace = namespaceOf(conversation, 'memory');
          const recalled = async (topK: number) => {
            const mode = RecallMode.RECALL_MODE_HYBRID;
            const request = { namespace, query: question.question, topK, mode, filter: undefined, minScore: 0 };
            const response = await call(server.memory.recall.bind(server.memory), request);
            return new Set(response.hits.map((hit) => hit.memory?.id ?? ''));
          };
          const [top10, top50] = [await recalled(10), await recalled(50)];
          recall.questions += 1;
          recall.at10 += share(question.evidence.filter((id) => top10.has(id)).length, question.evidence);
          recall.at50 += share(question.evidence.filter((id) => top50.has(id)).length, question.evidence);
          for (const budget of budgets) {
            const { value, ...time } = await build(buildRequest(namespace, question, budget));
            const packed = new Set(value.sections.map((s) => s.memoryId));
            const survived = share(question.evidence.filter((id) => packed.has(id)).length, question.evidence);
            tally(`memory@${budget}`).add(survived, survived, value.tokensUsed, time);
            outcome[`memory@${budget}`] = survived;
          }
        }
        if (modes.includes('history')) {
          for (const budget of budgets) {
            const { value, ...time } = await build(buildRequest(namespaceOf(conversation, 'history'), question, budget, history));
            const context = normalizeForMatch(value.text);
            const matches = question.evidence.map((id) => matchEvidence(textOf.get(id) ?? '', context));
            const survived = share(matches.filter((m) => m.wordShare >= SURVIVAL_WORD_SHARE).length, question.evidence);
            tally(`history@${budget}`).add(survived, share(matches.filter((m) => m.whole).length, question.evidence), value.tokensUsed, time);
            outcome[`history@${budget}`] = survived;
          }
        }
        if (dumpPath) dump.push(outcome);
      }
      progress(`[${conversation.name}] ${questions.length} questions, ${Math.round((performance.now() - started) / 1000)} s so far`);
    }
    if (modes.includes('history')) longHistory = await longHistoryLatency(conversations, build);
  } finally {
    await server.stop({ keepData: serverDir !== '' });
  }

  const results = Object.fromEntries([...tallies].map(([key, t]) => [key, t.report()]));
  const report = {
    benchmark: 'locomo-context',
    data: { dir: dataDir, conversations: conversations.map((c) => c.name), questions: tallies.values().next().value?.questions ?? 0 },
    settings: {
      model, budgets, modes,
      survival: `memory: evidence memory packed; history: the turn whole, or summary quotes holding ≥ ${SURVIVAL_WORD_SHARE} of its words (quotes of 3+ words)`,
      api: 'gRPC ContextService.BuildContext (defaults for everything but budget and history) and MemoryService.Recall HYBRID',
    },
    ...(modes.includes('memory') ? { recall: { 'recall@10': round(recall.at10 / Math.max(1, recall.questions), 4), 'recall@50': round(recall.at50 / Math.max(1, recall.questions), 4) } } : {}),
    results,
    ...(longHistory === undefined ? {} : { longHistory }),
    totalSec: round((performance.now() - started) / 1000, 1),
  };
  process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  if (dumpPath) writeFileSync(dumpPath, JSON.stringify(dump));
  progress(markdownTable(results));
}

/**
 * BuildContext over a 700-turn history (conversations joined end to end) at 4k tokens, one question
 * after another: the first call embeds every sentence, the timed ones find them all in the cache.
 */
async function longHistoryLatency(
  conversations: readonly Conversation[],
  build: (request: BuildContextRequest) => Promise<{ value: BuildContextResponse; ms: number; cpuMs: number }>,
) {
  const turns = conversations.flatMap((c) => c.turns).slice(0, LONG_HISTORY_TURNS);
  const history = turns.map((turn) => ({ role: turn.speaker, content: turnContent(turn, 'plain'), at: undefined }));
  const questions = conversations.flatMap((c) => c.questions);
  const request = (i: number) => BuildContextRequest.fromPartial({ namespace: 'ctx-long-history', query: questions[i % questions.length]!.question, tokenBudget: 4000, model, history });
  const first = await build(request(0));
  const wall: number[] = [];
  const cpu: number[] = [];
  for (let i = 1; i <= LONG_HISTORY_CALLS; i++) {
    const { ms, cpuMs } = await build(request(i));
    wall.push(ms);
    cpu.push(cpuMs);
  }
  const cpuSummary = latencySummary(cpu);
  return {
    turns: history.length,
    tokenBudget: 4000,
    firstCallMs: round(first.ms, 1),
    ...latencySummary(wall),
    cpuP50Ms: cpuSummary.p50Ms,
    cpuP99Ms: cpuSummary.p99Ms,
  };
}

function markdownTable(results: Record<string, ReturnType<Tally['report']>>): string {
  const lines = [
    '| mode | budget | evidence survival | whole turns | tokens used | p50 / p99 ms | CPU p50 / p99 ms |',
    '|---|---:|---:|---:|---:|---:|---:|',
  ];
  for (const [key, r] of Object.entries(results)) {
    const [mode, budget] = key.split('@');
    const cells = [r.survival.toFixed(3), r.wholeTurnSurvival.toFixed(3), r.meanTokensUsed, `${r.p50Ms} / ${r.p99Ms}`, `${r.cpuP50Ms} / ${r.cpuP99Ms}`];
    lines.push(`| ${mode} | ${budget} | ${cells.join(' | ')} |`);
  }
  return lines.join('\n');
}

await main();

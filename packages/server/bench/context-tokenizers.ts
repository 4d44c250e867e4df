// Context engine benchmark: tokenizer throughput on mixed text, and buildContext latency over
// 10k synthetic candidates (random 384-d unit vectors, no embedding work) at 4k and 32k budgets.
// Calls repeat with the same candidates, as a namespace's memories come back call after call, so
// the tokenizers' count cache is warm; "cold4k" runs the 4k case with the cache off (first sight of
// every text). Each case reports wall time and the process's CPU time per call: on a shared machine
// the CPU time is the figure to compare.
// Run: npx tsx bench/context-tokenizers.ts [--iterations=100] [--budgets=4096,32768] [--models=gpt-4o,...]
//   → one JSON object on stdout.
import { buildContext, createTokenizerRegistry } from '../src/context/index.js';
import type { Candidate } from '../src/context/index.js';
import { createRandom } from '../src/index/synthetic-vectors.js';
import { option, percentile, round } from './lib/cli.js';

/** Timed buildContext runs per model and budget: a nearest-rank p99 needs 100 to be other than the slowest. */
const ITERATIONS = Number(option('iterations', '100'));
const MODELS = option('models', 'gpt-4o,gpt-4,llama-3.1-8b,llama-2-7b,mistral-7b,claude-3-5-sonnet').split(',');
const BUDGETS = option('budgets', '4096,32768').split(',').map(Number);
const NOW = Date.UTC(2025, 5, 1);

const PROSE = [
  'The deployment pipeline failed at 03:14 UTC because the staging cluster ran out of disk space.',
  'Alice prefers concise answers and asked us to always cite the ticket number, e.g. OPS-4821.',
  'Der Kunde möchte die Rechnung bis Freitag erhalten; bitte die Mehrwertsteuer separat ausweisen.',
  '東京オフィスの会議は毎週火曜日の午前10時に開催されます。',
  'Remember: the API rate limit is 600 requests/minute per key, burst 50 🚦.',
  'We decided to migrate from MySQL 5.7 to PostgreSQL 16 after the Q3 review 📈.',
  'User feedback: "the new dashboard is great 👍🏽 but the export button is hard to find".',
];
const CODE = [
  'function retry<T>(fn: () => Promise<T>, attempts = 3): Promise<T> {',
  '  return fn().catch((e) => (attempts > 1 ? retry(fn, attempts - 1) : Promise.reject(e)));',
  '}',
].join('\n');
const JSON_SNIPPET = JSON.stringify({ id: 'mem_01HZX3', tags: ['ops', 'db'], importance: 0.72, metadata: { source: 'slack', channel: '#incidents' } });

function mixedText(random: () => number, minChars: number): string {
  const parts: string[] = [];
  let length = 0;
  while (length < minChars) {
    const r = random();
    const part = r < 0.75 ? PROSE[Math.floor(random() * PROSE.length)]! : r < 0.9 ? CODE : JSON_SNIPPET;
    parts.push(part);
    length += part.length + 1;
  }
  return parts.join(random() < 0.8 ? ' ' : '\n');
}

function unitVector(random: () => number, dims: number): Float32Array {
  const v = new Float32Array(dims);
  let norm = 0;
  for (let i = 0; i < dims; i++) {
    const x = random() * 2 - 1;
    v[i] = x;
    norm += x * x;
  }
  const scale = 1 / Math.sqrt(norm);
  for (let i = 0; i < dims; i++) v[i]! *= scale;
  return v;
}

async function main(): Promise<void> {
  const random = createRandom(42);
  const registry = createTokenizerRegistry();
  // Raw tokenizer speed, and packing that meets every text for the first time: no count cache.
  const uncached = createTokenizerRegistry({ countCacheChars: 0 });

  // Throughput: ~200 KB of mixed prose/code/JSON/unicode, counted in 4 KB documents.
  const docs = Array.from({ length: 50 }, () => mixedText(random, 4000));
  const chars = docs.reduce((n, d) => n + d.length, 0);
  const throughput: Record<string, unknown> = {};
  for (const model of MODELS) {
    const tokenizer = uncached.resolve(model);
    for (const d of docs.slice(0, 5)) tokenizer.count(d); // warm-up (JIT, lazy load)
    let tokens = 0;
    let rounds = 0;
    const started = performance.now();
    while (performance.now() - started < 1500 || rounds < 1) {
      for (const d of docs) tokens += tokenizer.count(d);
      rounds++;
    }
    const seconds = (performance.now() - started) / 1000;
    throughput[model] = {
      tokenizer: tokenizer.name,
      tokensPerSecond: Math.round(tokens / seconds),
      charsPerToken: round((chars * rounds) / tokens, 2),
      mbPerSecond: round((chars * rounds) / seconds / 1e6, 2),
    };
  }

  // buildContext: 10k candidates, lengths from one sentence to a few hundred tokens.
  const candidates: Candidate[] = Array.from({ length: 10_000 }, (_, i) => ({
    id: `mem-${i}`,
    content: mixedText(random, random() < 0.9 ? 60 + random() * 400 : 1500 + random() * 1500),
    relevance: random(),
    importance: random(),
    createdAt: NOW - Math.floor(random() * 90 * 86_400_000),
    lastAccessedAt: NOW,
    vector: unitVector(random, 384),
    tier: 'WARM',
    kind: random() < 0.5 ? 'fact' : 'event',
    metadata: {},
  }));
  const packing: Record<string, unknown> = {};
  const cases = [
    ...MODELS.flatMap((model) => BUDGETS.map((tokenBudget) => ({ model, tokenBudget, registry, label: `${model}@${tokenBudget}` }))),
    ...MODELS.map((model) => ({ model, tokenBudget: BUDGETS[0]!, registry: uncached, label: `${model}@${BUDGETS[0]!}-cold` })),
  ];
  for (const { model, tokenBudget, registry: tokenizers, label } of cases) {
    const times: number[] = [];
    const cpu: number[] = [];
    let last;
    for (let i = 0; i < ITERATIONS + 2; i++) {
      const started = performance.now();
      const cpuStart = process.cpuUsage();
      last = await buildContext({ query: 'what happened with the database migration', candidates, tokenBudget, reserveTokens: 0, model }, { tokenizers, clock: () => NOW });
      const used = process.cpuUsage(cpuStart);
      if (i < 2) continue; // warm-up
      times.push(performance.now() - started);
      cpu.push((used.user + used.system) / 1000);
    }
    times.sort((a, b) => a - b);
    cpu.sort((a, b) => a - b);
    packing[label] = {
      iterations: ITERATIONS,
      p50Ms: round(percentile(times, 0.5), 1),
      p99Ms: round(percentile(times, 0.99), 1),
      maxMs: round(times.at(-1) ?? Number.NaN, 1),
      cpuP50Ms: round(percentile(cpu, 0.5), 1),
      cpuP99Ms: round(percentile(cpu, 0.99), 1),
      tokensUsed: last?.tokensUsed,
      sections: last?.sections.length,
      compressed: last?.sections.filter((s) => s.compressed).length,
    };
  }
  uncached.close();
  registry.close();
  console.log(
    JSON.stringify(
      { node: process.version, textChars: chars, throughput, buildContext: { candidates: candidates.length, dims: 384, results: packing } },
      null,
      2,
    ),
  );
}

await main();

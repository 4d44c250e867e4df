import { expect } from 'chai';
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { chatCompletionsUrl, createLlmSummarizer } from './llm-summarizer.js';
import type { LlmFallbackReason } from './llm-summarizer.js';
import { buildContext } from './pack.js';
import { createTokenizerRegistry } from './tokenizers.js';
import type { TokenizerRegistry } from './tokenizers.js';
import type { Summarizer, Turn } from './types.js';

type Mode = 'answer' | 'fail' | 'hang' | 'garbage' | 'long';

interface Received {
  readonly url: string | undefined;
  readonly authorization: string | undefined;
  readonly body: { model: string; max_tokens: number; messages: Array<{ role: string; content: string }> };
}

/** A real OpenAI-compatible endpoint on 127.0.0.1, switchable between behaviours. */
function startFakeLlm(): Promise<{ server: Server; baseUrl: string; received: Received[]; setMode(mode: Mode): void }> {
  let mode: Mode = 'answer';
  const received: Received[] = [];
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let raw = '';
    req.on('data', (chunk: Buffer) => (raw += chunk.toString('utf8')));
    req.on('end', () => {
      received.push({ url: req.url, authorization: req.headers.authorization, body: JSON.parse(raw) as Received['body'] });
      const reply = (content: string) => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ choices: [{ index: 0, message: { role: 'assistant', content } }] }));
      };
      if (mode === 'answer') reply('The team agreed to migrate to Postgres on Friday.');
      else if (mode === 'long') reply('The team agreed to migrate to Postgres. '.repeat(100));
      else if (mode === 'garbage') res.end('{"not":"a completion"}');
      else if (mode === 'fail') {
        res.writeHead(503);
        res.end('overloaded');
      }
      // 'hang': never answer.
    });
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      resolve({ server, baseUrl: `http://127.0.0.1:${port}`, received, setMode: (m) => (mode = m) });
    }),
  );
}

const turns: Turn[] = [
  { role: 'user', content: 'Should we migrate to Postgres? I think Friday works.' },
  { role: 'assistant', content: 'Yes, Friday is fine. I will prepare the schema dump.' },
];
const recent: Turn[] = [{ role: 'user', content: 'Who owns the migration?' }];
const QUERY = 'when is the Postgres migration?';

describe('LLM summarizer', () => {
  let llm: Awaited<ReturnType<typeof startFakeLlm>>;
  let tokenizers: TokenizerRegistry;
  before(async () => {
    llm = await startFakeLlm();
    tokenizers = createTokenizerRegistry();
  });
  after(() => {
    tokenizers.close();
    llm.server.closeAllConnections();
    llm.server.close();
  });
  beforeEach(() => llm.setMode('answer'));

  const summarizer = (extra: { timeoutMs?: number; failureThreshold?: number; onFallback?: (r: LlmFallbackReason) => void } = {}) =>
    createLlmSummarizer({ baseUrl: llm.baseUrl, model: 'tiny-summarizer', apiKey: 'sk-test', timeoutMs: extra.timeoutMs ?? 2000, ...extra });
  /** Plans and writes one summary of `turns` at `maxTokens`, leaving out the turns in `omit`. */
  const summarize = async (s: Summarizer, maxTokens: number, model = 'gpt-4o', omit: ReadonlySet<number> = new Set()) => {
    const tokenizer = tokenizers.resolve(model);
    const plan = await s.plan({ turns, recent, tokenizer, query: QUERY, minRelevance: 0.1, maxTokens: 500 });
    return plan.write(maxTokens, omit);
  };

  it('calls /v1/chat/completions with the model, key, the question and the transcript, and returns its summary', async () => {
    const before = llm.received.length;
    const summary = await summarize(summarizer(), 50);
    expect(summary).to.deep.equal({ text: 'The team agreed to migrate to Postgres on Friday.', method: 'llm' });
    const request = llm.received[before]!;
    expect(request.url).to.equal('/v1/chat/completions');
    expect(request.authorization).to.equal('Bearer sk-test');
    expect(request.body.model).to.equal('tiny-summarizer');
    expect(request.body.max_tokens).to.equal(50);
    expect(request.body.messages[0]?.content).to.contain('first whatever bears on the question');
    expect(request.body.messages.at(-1)?.content).to.equal(
      'The agent is working on: when is the Postgres migration?\n\n' +
        'Conversation to summarize:\nuser: Should we migrate to Postgres? I think Friday works.\nassistant: Yes, Friday is fine. I will prepare the schema dump.\n\n' +
        'It continues with these latest turns, which the agent sees verbatim (do not repeat them):\nuser: Who owns the migration?',
    );
  });

  it('leaves out of the transcript the turns already in the context as memories', async () => {
    const before = llm.received.length;
    await summarize(summarizer(), 50, 'gpt-4o', new Set([1]));
    expect(llm.received[before]!.body.messages.at(-1)?.content).to.not.contain('schema dump');
  });

  it('falls back to the extractive summary when the endpoint fails', async () => {
    llm.setMode('fail');
    const reasons: LlmFallbackReason[] = [];
    const summary = await summarize(summarizer({ onFallback: (r) => reasons.push(r) }), 50);
    expect(summary.method).to.equal('extractive');
    expect(summary.fallbackReason).to.equal('HTTP_ERROR');
    // The stand-in is focused on the same question: the Postgres sentence first.
    expect(summary.text).to.contain('user: Should we migrate to Postgres?');
    expect(reasons).to.deep.equal(['HTTP_ERROR']);
  });

  it('falls back when the answer is not a completion', async () => {
    llm.setMode('garbage');
    const summary = await summarize(summarizer(), 50);
    expect(summary).to.include({ method: 'extractive', fallbackReason: 'BAD_RESPONSE' });
  });

  it('falls back on timeout when the endpoint hangs, without waiting for it', async () => {
    llm.setMode('hang');
    const started = Date.now();
    const summary = await summarize(summarizer({ timeoutMs: 150 }), 50);
    expect(summary).to.include({ method: 'extractive', fallbackReason: 'TIMEOUT' });
    expect(Date.now() - started).to.be.below(1500);
  });

  it('opens the circuit after consecutive failures and stops calling the endpoint', async () => {
    llm.setMode('fail');
    const s = summarizer({ failureThreshold: 2 });
    const reasons: Array<string | undefined> = [];
    const before = llm.received.length;
    for (let i = 0; i < 4; i++) reasons.push((await summarize(s, 50)).fallbackReason);
    expect(reasons).to.deep.equal(['HTTP_ERROR', 'HTTP_ERROR', 'CIRCUIT_OPEN', 'CIRCUIT_OPEN']);
    expect(llm.received.length - before).to.equal(2);
  });

  it('trims an answer longer than its cap with the target tokenizer', async () => {
    llm.setMode('long');
    const tokenizer = tokenizers.resolve('llama-3-8b');
    const summary = await summarize(summarizer(), 40, 'llama-3-8b');
    expect(summary.method).to.equal('llm');
    expect(tokenizer.count(summary.text)).to.be.at.most(40).and.greaterThan(20);
  });

  it('feeds buildContext summaries, reporting the method used', async () => {
    const history: Turn[] = Array.from({ length: 12 }, (_, i) => ({ role: i % 2 ? 'assistant' : 'user', content: `Message ${i} about the migration.`, at: i }));
    const result = await buildContext(
      { query: 'migration', candidates: [], tokenBudget: 300, model: 'gpt-4o', history, window: { recentTurns: 2 } },
      { tokenizers, clock: () => 0, summarizer: summarizer() },
    );
    expect(result.summary).to.include({ method: 'llm', turnCount: 10 });
    expect(result.text).to.contain('## Earlier conversation (summary)\nThe team agreed to migrate to Postgres on Friday.');
  });

  it('builds the endpoint URL from a base with or without /v1', () => {
    expect(chatCompletionsUrl('http://h:1')).to.equal('http://h:1/v1/chat/completions');
    expect(chatCompletionsUrl('http://h:1/')).to.equal('http://h:1/v1/chat/completions');
    expect(chatCompletionsUrl('https://api.example.com/v1/')).to.equal('https://api.example.com/v1/chat/completions');
  });
});

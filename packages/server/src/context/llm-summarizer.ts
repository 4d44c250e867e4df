// Optional summarizer backed by an OpenAI-compatible /v1/chat/completions endpoint. Every call runs
// inside a cockatiel circuit breaker around an aggressive timeout; any failure (HTTP error, bad
// payload, timeout, open circuit, or a summary that cannot be trimmed to fit) falls back to the
// extractive summarizer, so conversation summaries never depend on a remote model being up.
import {
  circuitBreaker,
  ConsecutiveBreaker,
  handleAll,
  isBrokenCircuitError,
  isTaskCancelledError,
  timeout,
  TimeoutStrategy,
  wrap,
} from 'cockatiel';
import { renderTurn } from './format.js';
import { createExtractiveSummarizer } from './summarize.js';
import type { SummarizeRequest, Summarizer, Summary, SummaryPlan } from './types.js';
import { trimToFit } from './window.js';

export interface LlmSummarizerOptions {
  /** e.g. "http://127.0.0.1:8080" or "https://api.openai.com/v1"; "/v1/chat/completions" is appended as needed. */
  readonly baseUrl: string;
  readonly model: string;
  readonly apiKey?: string;
  readonly timeoutMs: number;
  /** Sizes the summary's need, and is used on any failure (default: extractive, without embeddings). */
  readonly fallback?: Summarizer;
  /** Consecutive failures that open the circuit (default 3). */
  readonly failureThreshold?: number;
  /** How long the circuit stays open before one trial call (default 30 s). */
  readonly halfOpenAfterMs?: number;
  /** Older turns beyond this many characters are cut, oldest first (default 48k); the latest turns come on top. */
  readonly maxInputChars?: number;
  readonly fetch?: typeof fetch;
  readonly onFallback?: (reason: LlmFallbackReason, error: unknown) => void;
}

export type LlmFallbackReason = 'TIMEOUT' | 'CIRCUIT_OPEN' | 'HTTP_ERROR' | 'BAD_RESPONSE' | 'DOES_NOT_FIT' | 'NETWORK';

export class LlmSummaryError extends Error {
  constructor(
    readonly reason: LlmFallbackReason,
    message: string,
  ) {
    super(message);
    this.name = 'LlmSummaryError';
  }
}

const SYSTEM_PROMPT =
  'You summarize the earlier part of a conversation for an AI agent that will continue it. ' +
  'Be factual and terse. Keep names, numbers, dates, decisions, open questions and commitments, ' +
  'first whatever bears on the question the agent is working on. Drop greetings and small talk. ' +
  'Write plain sentences, no preamble.';

export function chatCompletionsUrl(baseUrl: string): string {
  const base = baseUrl.replace(/\/+$/, '');
  return base.endsWith('/v1') ? `${base}/chat/completions` : `${base}/v1/chat/completions`;
}

export function createLlmSummarizer(options: LlmSummarizerOptions): Summarizer {
  const fallback = options.fallback ?? createExtractiveSummarizer();
  const doFetch = options.fetch ?? fetch;
  const url = chatCompletionsUrl(options.baseUrl);
  const maxInputChars = options.maxInputChars ?? 48_000;
  const breaker = circuitBreaker(handleAll, {
    halfOpenAfter: options.halfOpenAfterMs ?? 30_000,
    breaker: new ConsecutiveBreaker(options.failureThreshold ?? 3),
  });
  const policy = wrap(breaker, timeout(options.timeoutMs, TimeoutStrategy.Aggressive));

  const call = async (request: SummarizeRequest, maxTokens: number, omit: ReadonlySet<number>, signal: AbortSignal): Promise<string> => {
    const response = await doFetch(url, {
      method: 'POST',
      signal,
      headers: {
        'content-type': 'application/json',
        ...(options.apiKey === undefined ? {} : { authorization: `Bearer ${options.apiKey}` }),
      },
      body: JSON.stringify({
        model: options.model,
        temperature: 0,
        max_tokens: maxTokens,
        messages: [
          { role: 'system', content: `${SYSTEM_PROMPT} Use at most ${maxTokens} tokens.` },
          { role: 'user', content: prompt(request, omit, maxInputChars) },
        ],
      }),
    });
    if (!response.ok) {
      await response.body?.cancel();
      throw new LlmSummaryError('HTTP_ERROR', `chat completions answered HTTP ${response.status}`);
    }
    const body: unknown = await response.json().catch(() => undefined);
    const content = (body as { choices?: Array<{ message?: { content?: unknown } }> } | undefined)?.choices?.[0]?.message?.content;
    if (typeof content !== 'string' || content.trim() === '') throw new LlmSummaryError('BAD_RESPONSE', 'no summary text in the response');
    return content;
  };

  return {
    async plan(request): Promise<SummaryPlan> {
      // The extractive plan sizes the need and stands in on any failure.
      const standIn = await fallback.plan(request);
      return {
        need: standIn.need,
        async write(maxTokens, omit): Promise<Summary> {
          try {
            const raw = await policy.execute(({ signal }) => call(request, maxTokens, omit, signal));
            // The endpoint's model counts tokens its own way: enforce the cap with the target's tokenizer.
            const text = trimToFit(raw.trim(), (t) => request.tokenizer.count(t) <= maxTokens);
            if (text === '') throw new LlmSummaryError('DOES_NOT_FIT', `summary does not fit in ${maxTokens} tokens`);
            return { text, method: 'llm' };
          } catch (error) {
            const reason = classify(error);
            options.onFallback?.(reason, error);
            const summary = await standIn.write(maxTokens, omit);
            return { ...summary, fallbackReason: reason };
          }
        },
      };
    },
  };
}

/**
 * The question first, then the transcript to summarize (turns already in the context as memories left
 * out; the oldest cut first beyond maxInputChars), then the latest turns, which the agent sees verbatim.
 */
export function prompt(request: SummarizeRequest, omit: ReadonlySet<number>, maxInputChars: number): string {
  let transcript = request.turns.filter((_, i) => !omit.has(i)).map(renderTurn).join('\n');
  if (transcript.length > maxInputChars) transcript = transcript.slice(transcript.length - maxInputChars);
  const parts = [`The agent is working on: ${request.query}`, `Conversation to summarize:\n${transcript}`];
  if (request.recent.length > 0) {
    parts.push(`It continues with these latest turns, which the agent sees verbatim (do not repeat them):\n${request.recent.map(renderTurn).join('\n')}`);
  }
  return parts.join('\n\n');
}

function classify(error: unknown): LlmFallbackReason {
  if (error instanceof LlmSummaryError) return error.reason;
  if (isBrokenCircuitError(error)) return 'CIRCUIT_OPEN';
  if (isTaskCancelledError(error)) return 'TIMEOUT';
  return 'NETWORK';
}

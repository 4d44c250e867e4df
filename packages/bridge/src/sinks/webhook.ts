// Delivers each transaction to an HTTP endpoint as a signed JSON POST, until it is accepted.
// Each attempt runs inside a cockatiel circuit breaker around a timeout; between attempts the
// bridge waits an exponential, jittered backoff (at least the receiver's Retry-After). The
// transaction id is the idempotency key, so a receiver can drop the repeats at-least-once
// delivery brings.
import { setTimeout as sleep } from 'node:timers/promises';
import {
  circuitBreaker,
  ConsecutiveBreaker,
  ExponentialBackoff,
  handleWhen,
  isBrokenCircuitError,
  isTaskCancelledError,
  timeout,
  TimeoutStrategy,
  wrap,
  type IBackoff,
} from 'cockatiel';
import { parseRetryAfter } from '@cortex/client';
import type { Logger } from 'winston';
import type { BridgeEvent, Sink } from '../event.js';
import { SIGNATURE_HEADER, signatureHeader } from '../signature.js';
import { BRIDGE_VERSION } from '../version.js';

export interface WebhookOptions {
  readonly url: URL;
  readonly secret: string;
  /** Time for one attempt, response included. */
  readonly timeoutMs: number;
  readonly initialBackoffMs: number;
  readonly maxBackoffMs: number;
  /** Failed attempts in a row that open the circuit. */
  readonly breakerFailures: number;
  /** How long the circuit stays open before one trial delivery. */
  readonly breakerCooldownMs: number;
  readonly logger: Logger;
}

/** The receiver said no for good (a 4xx other than 408, 425, 429): retrying would not help. */
export class WebhookRejected extends Error {
  override readonly name = 'WebhookRejected';
}

/** A failure worth another attempt: 408, 425, 429, 5xx, or no answer at all. */
class TransientFailure extends Error {
  override readonly name = 'TransientFailure';
  constructor(
    message: string,
    readonly retryAfterMs?: number,
  ) {
    super(message);
  }
}

const TRANSIENT_STATUS = new Set([408, 425, 429]);

export function createWebhookSink(options: WebhookOptions): Sink {
  const { logger } = options;
  const breaker = circuitBreaker(
    handleWhen((error) => error instanceof TransientFailure || isTaskCancelledError(error)),
    { halfOpenAfter: options.breakerCooldownMs, breaker: new ConsecutiveBreaker(options.breakerFailures) },
  );
  breaker.onBreak(() => logger.warn('circuit opened', { url: redacted(options.url), cooldownMs: options.breakerCooldownMs }));
  breaker.onHalfOpen(() => logger.info('circuit half-open: trying one delivery', { url: redacted(options.url) }));
  breaker.onReset(() => logger.info('circuit closed', { url: redacted(options.url) }));
  const attempt = wrap(breaker, timeout(options.timeoutMs, TimeoutStrategy.Aggressive));
  const backoffs = new ExponentialBackoff({ initialDelay: options.initialBackoffMs, maxDelay: options.maxBackoffMs });

  const post = async (event: BridgeEvent, attemptNumber: number, signal: AbortSignal): Promise<void> => {
    let response: Response;
    try {
      response = await fetch(options.url, {
        method: 'POST',
        body: event.body,
        redirect: 'manual',
        signal,
        headers: {
          'content-type': 'application/json',
          'user-agent': `cortex-bridge/${BRIDGE_VERSION}`,
          'idempotency-key': String(event.txId),
          [SIGNATURE_HEADER]: signatureHeader(options.secret, event.body),
          'x-cortex-delivery-attempt': String(attemptNumber),
        },
      });
    } catch (error: unknown) {
      if (signal.aborted) throw error;
      throw new TransientFailure(`no response: ${causeOf(error)}`);
    }
    await response.body?.cancel(); // Only the status matters; free the connection.
    if (response.ok) return;
    const what = `HTTP ${response.status} ${response.statusText}`.trim();
    if (response.status >= 500 || TRANSIENT_STATUS.has(response.status)) {
      const retryAfter = response.headers.get('retry-after');
      throw new TransientFailure(what, retryAfter === null ? undefined : parseRetryAfter(retryAfter));
    }
    throw new WebhookRejected(`the webhook rejected transaction ${event.txId}: ${what}`);
  };

  return {
    async deliver(event, signal) {
      let backoff: IBackoff<unknown> | undefined;
      for (let n = 1; ; n += 1) {
        try {
          await attempt.execute(({ signal: attemptSignal }) => post(event, n, attemptSignal), signal);
          logger.debug('delivered', { txId: event.txId, attempts: n });
          return;
        } catch (error: unknown) {
          if (signal.aborted || error instanceof WebhookRejected) throw error;
          backoff = backoff ? backoff.next(undefined) : backoffs.next();
          const delayMs = Math.max(backoff.duration, error instanceof TransientFailure ? (error.retryAfterMs ?? 0) : 0);
          logger.warn('delivery failed; retrying', { txId: event.txId, attempt: n, reason: reasonOf(error, options.timeoutMs), delayMs });
          await sleep(delayMs, undefined, { signal });
        }
      }
    },
  };
}

function reasonOf(error: unknown, timeoutMs: number): string {
  if (isBrokenCircuitError(error)) return 'circuit open';
  if (isTaskCancelledError(error)) return `no answer within ${timeoutMs} ms`;
  return error instanceof Error ? error.message : String(error);
}

function causeOf(error: unknown): string {
  const cause = error instanceof Error && error.cause instanceof Error ? error.cause : error;
  return cause instanceof Error ? cause.message : String(cause);
}

/** The URL without credentials or query, fit for a log line. */
function redacted(url: URL): string {
  return `${url.origin}${url.pathname}`;
}

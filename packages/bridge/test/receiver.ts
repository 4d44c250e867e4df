import { EventEmitter, once } from 'node:events';
import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * How the receiver answers one request: accept (200), fail (500), unavailable (503 with
 * Retry-After: 1), reject (400, for good), slow (200 after SLOW_MS, within the bridge's
 * timeout), hang (no answer at all, until the bridge gives up on it).
 */
export type Answer = 'accept' | 'fail' | 'unavailable' | 'reject' | 'slow' | 'hang';

export const SLOW_MS = 150;

export interface Delivery {
  readonly body: string;
  readonly headers: IncomingHttpHeaders;
  readonly answer: Answer;
  /** The transaction id in the body. */
  readonly txId: number;
}

/** A real HTTP webhook receiver on a loopback port that fails on purpose, as scripted. */
export class Receiver {
  /** Every request, in the order they arrived. */
  readonly deliveries: Delivery[] = [];
  /** Answers for the next requests, in order; once used up, `fallback` answers. */
  script: Answer[] = [];
  fallback: Answer = 'accept';
  readonly #server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const answer = this.script.shift() ?? this.fallback;
      this.deliveries.push({ body, headers: request.headers, answer, txId: (JSON.parse(body) as { txId: number }).txId });
      this.#answer(answer, response);
      this.#events.emit('delivery');
    });
  });
  readonly #events = new EventEmitter();
  readonly #hanging = new Set<ServerResponse>();

  static async start(): Promise<Receiver> {
    const receiver = new Receiver();
    receiver.#server.listen(0, '127.0.0.1');
    await once(receiver.#server, 'listening');
    return receiver;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}/cortex-events`;
  }

  /** The transaction ids it accepted, first acceptances only, in the order it accepted them. */
  accepted(): number[] {
    const ids = this.deliveries.filter((d) => d.answer === 'accept' || d.answer === 'slow').map((d) => d.txId);
    return [...new Set(ids)];
  }

  /** Resolves once `done` holds for the deliveries so far (checked after every request). */
  async until(done: (receiver: Receiver) => boolean): Promise<void> {
    while (!done(this)) await once(this.#events, 'delivery');
  }

  async close(): Promise<void> {
    this.#hanging.forEach((response) => response.destroy());
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  #answer(answer: Answer, response: ServerResponse): void {
    switch (answer) {
      case 'accept':
        response.writeHead(200).end();
        return;
      case 'fail':
        response.writeHead(500).end('injected failure');
        return;
      case 'unavailable':
        response.writeHead(503, { 'retry-after': '1' }).end();
        return;
      case 'reject':
        response.writeHead(400).end('injected rejection');
        return;
      case 'slow':
        setTimeout(() => response.writeHead(200).end(), SLOW_MS);
        return;
      case 'hang':
        this.#hanging.add(response);
        response.once('close', () => this.#hanging.delete(response));
    }
  }
}

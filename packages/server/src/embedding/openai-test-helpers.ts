// A local OpenAI-compatible /v1/embeddings server for tests, answering or failing on cue.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Received {
  readonly path: string;
  readonly authorization: string | undefined;
  readonly body: { model: string; input: string[]; encoding_format: string };
}
export type Handler = (request: Received, res: ServerResponse) => void;

/** A deterministic vector per text, not normalised (the embedder must do it): [length, 1, 0, 2]. */
export const vectorOf = (text: string): number[] => [text.length, 1, 0, 2];

/** Embeds every input with vectorOf, answering in reverse order (the embedder must place vectors by index). */
export const ok: Handler = ({ body }, res) => {
  const data = body.input.map((text, index) => ({ object: 'embedding', index, embedding: vectorOf(text) })).reverse();
  res.setHeader('content-type', 'application/json');
  res.end(JSON.stringify({ object: 'list', data, model: body.model }));
};
export const status =
  (code: number): Handler =>
    (_req, res) => {
      res.statusCode = code;
      res.end('{"error":{"message":"on purpose"}}');
    };
/** Never answers. */
export const hang: Handler = () => undefined;

/** Answers each request with the next handler given to answer(); the last one repeats. */
export class FakeEmbeddings {
  readonly received: Received[] = [];
  private handlers: Handler[] = [ok];
  private readonly server: Server;
  private readonly open = new Set<ServerResponse>();

  constructor() {
    this.server = createServer((req: IncomingMessage, res: ServerResponse) => {
      let raw = '';
      req.on('data', (chunk: Buffer) => (raw += chunk.toString()));
      req.on('end', () => {
        const received: Received = { path: req.url ?? '', authorization: req.headers.authorization, body: JSON.parse(raw) as Received['body'] };
        this.received.push(received);
        this.open.add(res);
        res.on('close', () => this.open.delete(res));
        const handler = this.handlers.length > 1 ? this.handlers.shift()! : this.handlers[0]!;
        handler(received, res);
      });
    });
  }

  /** Listens on a free loopback port; resolves to the base URL (ending in /v1). */
  async start(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/v1`;
  }

  answer(...handlers: Handler[]): void {
    this.handlers = handlers;
  }

  async stop(): Promise<void> {
    for (const res of this.open) res.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

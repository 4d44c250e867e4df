import { expect } from 'chai';
import { CortexError } from '../errors.js';
import type { Embedder } from './embedder.js';
import { createOpenAiEmbedder, embeddingsUrl, type OpenAiEmbedderOptions } from './openai-embedder.js';
import { FakeEmbeddings, hang, ok, status } from './openai-test-helpers.js';
import { silentLogger } from './test-helpers.js';

const DIMS = 4;

async function failure(promise: Promise<unknown>): Promise<CortexError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err, 'expected a CortexError').to.be.instanceOf(CortexError);
  return err as CortexError;
}

describe('remote embedder (OpenAI-compatible, against a local server that fails on purpose)', () => {
  let fake: FakeEmbeddings;
  let embedder: Embedder | undefined;
  let url: string;

  beforeEach(async () => {
    fake = new FakeEmbeddings();
    url = await fake.start();
  });
  afterEach(async () => {
    await embedder?.close();
    embedder = undefined;
    await fake.stop();
  });

  const open = (overrides: Partial<OpenAiEmbedderOptions> = {}): Embedder => {
    embedder = createOpenAiEmbedder({
      url,
      model: 'text-embedding-test',
      apiKey: 'sk-test-key',
      dimensions: DIMS,
      timeoutMs: 500,
      queryPrefix: 'query: ',
      documentPrefix: 'passage: ',
      logger: silentLogger(),
      retryDelayMs: 5,
      halfOpenAfterMs: 300,
      ...overrides,
    });
    return embedder;
  };

  it('appends /embeddings to a /v1 base URL and /v1/embeddings to a bare one', () => {
    expect(embeddingsUrl('https://api.example.com/v1/')).to.equal('https://api.example.com/v1/embeddings');
    expect(embeddingsUrl('http://127.0.0.1:8080')).to.equal('http://127.0.0.1:8080/v1/embeddings');
  });

  it('embeds with the model, key and prefixes, in input order, as unit vectors', async () => {
    const e = open();
    const [a, b] = await e.embed(['one', 'three'], 'document');
    const [q] = await e.embed(['one'], 'query');
    expect(fake.received).to.have.length(2);
    const [first] = fake.received;
    expect(first?.path).to.equal('/v1/embeddings');
    expect(first?.authorization).to.equal('Bearer sk-test-key');
    expect(first?.body).to.deep.equal({ model: 'text-embedding-test', input: ['passage: one', 'passage: three'], encoding_format: 'float' });
    expect(fake.received[1]?.body.input).to.deep.equal(['query: one']);
    const norm = (v: Float32Array | undefined) => Math.sqrt(Array.from(v ?? []).reduce((s, x) => s + x * x, 0));
    expect(norm(a)).to.be.closeTo(1, 1e-6);
    expect(a?.[0]).to.be.lessThan(b?.[0] ?? 0); // "passage: one" is shorter than "passage: three"
    expect(q).to.have.length(DIMS);
    expect(e.modelId).to.equal('openai:text-embedding-test:4');
  });

  it('answers repeated texts from its cache without another request', async () => {
    const e = open();
    await e.embed(['cached'], 'document');
    await e.embed(['cached'], 'document');
    expect(fake.received).to.have.length(1);
  });

  it('retries a 500 and a 429 and succeeds when the service recovers', async () => {
    fake.answer(status(500), status(429), ok);
    const [vector] = await open().embed(['recovers'], 'document');
    expect(vector).to.have.length(DIMS);
    expect(fake.received).to.have.length(3);
  });

  it('fails with UNAVAILABLE EMBEDDER_TIMEOUT when the service never answers, after its retries', async () => {
    fake.answer(hang);
    const err = await failure(open({ timeoutMs: 100, maxAttempts: 2 }).embed(['slow'], 'document'));
    expect(err.kind).to.equal('UNAVAILABLE');
    expect(err.reason).to.equal('EMBEDDER_TIMEOUT');
    expect(fake.received).to.have.length(2);
  });

  it('does not retry a rejected request (401): UNAVAILABLE EMBEDDER_HTTP_ERROR with the status', async () => {
    fake.answer(status(401));
    const err = await failure(open().embed(['denied'], 'document'));
    expect(err.kind).to.equal('UNAVAILABLE');
    expect(err.reason).to.equal('EMBEDDER_HTTP_ERROR');
    expect(err.metadata).to.deep.equal({ status: '401' });
    expect(fake.received).to.have.length(1);
  });

  it('checks the dimension on first use: UNAVAILABLE EMBEDDER_DIMENSION_MISMATCH', async () => {
    const e = open({ dimensions: 8 });
    const err = await failure(e.check());
    expect(err.reason).to.equal('EMBEDDER_DIMENSION_MISMATCH');
    expect(err.message).to.include('returned 4-dimensional vectors').and.to.include('CORTEX_EMBEDDER_DIMENSIONS is 8');
  });

  it('rejects a response without one embedding per input: UNAVAILABLE EMBEDDER_BAD_RESPONSE', async () => {
    fake.answer((_req, res) => res.end(JSON.stringify({ data: [{ index: 0, embedding: [1, 0, 0, 0] }] })));
    const err = await failure(open().embed(['a', 'b'], 'document'));
    expect(err.reason).to.equal('EMBEDDER_BAD_RESPONSE');
  });

  it('fails a whole embed() when any of its batches fails, so nothing is half-embedded', async () => {
    fake.answer(ok, status(503));
    const e = open({ maxBatchSize: 2, maxAttempts: 1 });
    const err = await failure(e.embed(['a', 'b', 'c', 'd'], 'document'));
    expect(err.reason).to.equal('EMBEDDER_HTTP_ERROR');
  });

  it('opens the circuit after consecutive failures, then fails fast with a retry-after, and check() reports it', async () => {
    fake.answer(status(503));
    const e = open({ maxAttempts: 1, failureThreshold: 3, halfOpenAfterMs: 60_000 });
    for (let i = 0; i < 3; i += 1) expect((await failure(e.embed([`fail ${i}`], 'document'))).reason).to.equal('EMBEDDER_HTTP_ERROR');
    const requests = fake.received.length;
    const open_ = await failure(e.embed(['while open'], 'document'));
    expect(open_.kind).to.equal('UNAVAILABLE');
    expect(open_.reason).to.equal('EMBEDDER_CIRCUIT_OPEN');
    expect(open_.trailers).to.deep.equal({ 'retry-after': '60' });
    expect(fake.received.length, 'no request while the circuit is open').to.equal(requests);
    expect((await failure(e.check())).reason).to.equal('EMBEDDER_CIRCUIT_OPEN');
  });

  it('half-opens after the break: one trial request, and a success closes the circuit again', async () => {
    fake.answer(status(503), status(503), ok);
    const e = open({ maxAttempts: 1, failureThreshold: 2, halfOpenAfterMs: 200 });
    await failure(e.embed(['x1'], 'document'));
    await failure(e.embed(['x2'], 'document'));
    expect((await failure(e.embed(['x3'], 'document'))).reason).to.equal('EMBEDDER_CIRCUIT_OPEN');
    await new Promise((r) => setTimeout(r, 300));
    const [vector] = await e.embed(['trial'], 'document');
    expect(vector).to.have.length(DIMS);
    const [after] = await e.embed(['closed again'], 'document');
    expect(after).to.have.length(DIMS);
    await e.check();
  });

  it('health-checks with one real request until the service has answered, then without requests', async () => {
    const e = open();
    await e.check();
    await e.check();
    expect(fake.received).to.have.length(1);
  });

  it('rejects embed() after close with UNAVAILABLE', async () => {
    const e = open();
    await e.close();
    expect((await failure(e.embed(['late'], 'document'))).reason).to.equal('EMBEDDER_CLOSED');
  });

  it('chunks long content to about 256 tokens of four characters', () => {
    const e = open();
    const chunks = e.chunk('word '.repeat(1000));
    expect(chunks.length).to.be.greaterThan(3);
    for (const chunk of chunks) expect(chunk.length).to.be.at.most(254 * 4);
  });
});

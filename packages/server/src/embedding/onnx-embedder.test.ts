import Database from 'better-sqlite3';
import { expect } from 'chai';
import { CortexError } from '../errors.js';
import type { Embedder } from './embedder.js';
import { createSqliteEmbeddingCache } from './embedding-cache.js';
import { loadModelFiles } from './model-files.js';
import { MODELS } from './models.js';
import { createOnnxEmbedder, type InferenceEvent } from './onnx-embedder.js';
import { cosine, EMBEDDING_CACHE_DDL, prefixedReference, realModelDir, referenceVectors, silentLogger } from './test-helpers.js';

describe('onnx embedder (real all-MiniLM-L6-v2)', () => {
  let embedder: Embedder;
  let inferences: InferenceEvent[];

  before(async () => {
    embedder = await createOnnxEmbedder({
      modelDir: realModelDir(),
      model: 'all-MiniLM-L6-v2',
      logger: silentLogger(),
      onInference: (event) => void inferences.push(event),
    });
  });
  beforeEach(() => {
    inferences = [];
  });
  after(async () => {
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- unset when before() failed
    await embedder?.close();
  });

  it('lands within 0.02 of the fp32 reference values and above 0.99 cosine of the fp32 vectors', async () => {
    const reference = referenceVectors();
    const sentences = Object.keys(reference);
    expect(sentences).to.have.length(2);
    const vectors = await embedder.embed(sentences, 'document');
    sentences.forEach((sentence, i) => {
      const expected = reference[sentence] ?? [];
      const got = vectors[i] ?? new Float32Array();
      for (let d = 0; d < 3; d += 1) expect(got[d]).to.be.closeTo(expected[d] ?? NaN, 0.02, `${sentence}[${d}]`);
      expect(cosine(got, expected)).to.be.greaterThan(0.99);
    });
  });

  it('returns 384-dimensional vectors of unit length', async () => {
    const [vector] = await embedder.embed(['Vectors should have unit length.'], 'document');
    expect(embedder.dimensions).to.equal(384);
    expect(vector).to.have.length(384);
    let sum = 0;
    for (const v of vector ?? []) sum += v * v;
    expect(Math.sqrt(sum)).to.be.closeTo(1, 1e-5);
  });

  it('scores a paraphrase higher than an unrelated sentence', async () => {
    const [query, paraphrase, unrelated] = await embedder.embed([
      'The cat is sleeping on the sofa.',
      'A kitten naps on the couch.',
      'Quarterly revenue grew by eight percent.',
    ], 'document');
    const close = cosine(query ?? [], paraphrase ?? []);
    const far = cosine(query ?? [], unrelated ?? []);
    expect(close).to.be.greaterThan(far + 0.3);
  });

  it('never runs inference twice for the same text', async () => {
    const text = 'Cached texts are embedded only once.';
    const [first] = await embedder.embed([text], 'document');
    const [second] = await embedder.embed([text], 'document');
    expect(inferences).to.have.length(1);
    expect(Array.from(second ?? [])).to.deep.equal(Array.from(first ?? []));
  });

  it('embeds identical texts within one call once and returns a vector for each', async () => {
    const vectors = await embedder.embed(['dup one', 'dup two', 'dup one', 'dup one'], 'document');
    expect(vectors).to.have.length(4);
    expect(inferences.map((e) => e.batchSize)).to.deep.equal([2]);
    expect(Array.from(vectors[2] ?? [])).to.deep.equal(Array.from(vectors[0] ?? []));
  });

  it('gives callers their own copies, so mutating a result cannot corrupt the cache', async () => {
    const text = 'Results are copies.';
    const [first] = await embedder.embed([text], 'document');
    first?.fill(0);
    const [second] = await embedder.embed([text], 'document');
    expect(second?.[0]).to.not.equal(0);
  });

  it('merges concurrent embed calls into one inference call', async () => {
    const texts = ['batch a', 'batch b', 'batch c', 'batch d', 'batch e'];
    const results = await Promise.all(texts.map((t) => embedder.embed([t], 'document')));
    expect(results.every((r) => r.length === 1)).to.equal(true);
    expect(inferences.map((e) => e.batchSize)).to.deep.equal([5]);
  });

  it('embeds a text the same alone as padded inside a batch', async () => {
    const texts = ['short', 'a considerably longer sentence that forces the short one to be padded in its batch'];
    const [batched] = await embedder.embed(texts, 'document');
    const alone = await createOnnxEmbedder({ modelDir: realModelDir(), model: 'all-MiniLM-L6-v2', logger: silentLogger() });
    try {
      const [single] = await alone.embed(['short'], 'document');
      for (let d = 0; d < 384; d += 1) expect(batched?.[d]).to.be.closeTo(single?.[d] ?? NaN, 1e-4);
    } finally {
      await alone.close();
    }
  });

  it('truncates texts past 256 tokens instead of failing', async () => {
    const long = 'memory '.repeat(400);
    expect(embedder.countTokens(long)).to.equal(402);
    const [vector] = await embedder.embed([long], 'document');
    expect(vector).to.have.length(384);
    expect(inferences[0]?.sequenceLength).to.equal(256);
  });

  it('counts tokens including [CLS] and [SEP]', () => {
    expect(embedder.countTokens('This is an example sentence')).to.equal(7);
    expect(embedder.countTokens('')).to.equal(2);
  });

  it('chunks long content into pieces of at most 256 tokens that cover the whole text in order', () => {
    const sentences = Array.from(
      { length: 120 },
      (_, i) => `Sentence number ${i} records that agent-${i % 7} observed event #${i * 13} in region eu-west.`,
    );
    const text = sentences.join(' ');
    const chunks = embedder.chunk(text);
    expect(chunks.length).to.be.greaterThan(3);
    for (const chunk of chunks) expect(embedder.countTokens(chunk)).to.be.at.most(256);
    // Every chunk is a slice of the text, in order, and consecutive chunks meet or overlap.
    let covered = 0;
    for (const chunk of chunks) {
      const at = text.indexOf(chunk, Math.max(0, covered - chunk.length));
      expect(at, 'chunk is a slice of the text').to.be.at.least(0);
      expect(at, 'no gap before chunk').to.be.at.most(covered + 1);
      covered = Math.max(covered, at + chunk.length);
    }
    expect(covered).to.equal(text.length);
    // Breaks fall on sentence ends where possible.
    for (const chunk of chunks.slice(0, -1)) expect(chunk).to.match(/\.$/);
  });

  it('chunks unspaced text (CJK, long URLs) within the window too', () => {
    const cjk = '记忆服务为智能体保存它们看到和决定的事情。'.repeat(60);
    const url = `https://example.com/${'segment/'.repeat(300)}`;
    for (const text of [cjk, `see ${url} for details`]) {
      const chunks = embedder.chunk(text);
      expect(chunks.length).to.be.greaterThan(1);
      for (const chunk of chunks) {
        expect(embedder.countTokens(chunk)).to.be.at.most(256);
        expect(text).to.include(chunk);
      }
      expect(text.endsWith(chunks[chunks.length - 1] ?? '')).to.equal(true);
    }
  });

  it('returns short content as a single chunk and blank content as none', () => {
    expect(embedder.chunk('  Just one line.  ')).to.deep.equal(['Just one line.']);
    expect(embedder.chunk(' \n ')).to.deep.equal([]);
  });

  it('passes its health check', async () => {
    await embedder.check();
  });
});

describe('onnx embedder lifecycle and caching', () => {
  it('splits more concurrent texts than maxBatchSize into several inference calls', async () => {
    const batches: number[] = [];
    const embedder = await createOnnxEmbedder({
      modelDir: realModelDir(),
      model: 'all-MiniLM-L6-v2',
      logger: silentLogger(),
      maxBatchSize: 4,
      onInference: (e) => void batches.push(e.batchSize),
    });
    try {
      const vectors = await embedder.embed(Array.from({ length: 10 }, (_, i) => `text number ${i}`), 'document');
      expect(vectors).to.have.length(10);
      expect(batches.sort()).to.deep.equal([2, 4, 4]); // two workers: either may finish first
    } finally {
      await embedder.close();
    }
  });

  it('reads vectors back from sqlite so a restarted embedder does not re-embed', async () => {
    const db = new Database(':memory:');
    db.exec(EMBEDDING_CACHE_DDL);
    let inferences = 0;
    const { modelId } = (await loadModelFiles(realModelDir(), MODELS['all-MiniLM-L6-v2'])).graph;
    const make = () =>
      createOnnxEmbedder({
        modelDir: realModelDir(),
        model: 'all-MiniLM-L6-v2',
        logger: silentLogger(),
        cache: createSqliteEmbeddingCache(db, modelId),
        onInference: () => void (inferences += 1),
      });
    try {
      const first = await make();
      const [original] = await first.embed(['persisted across restarts'], 'document');
      await first.close();
      const second = await make();
      const [restored] = await second.embed(['persisted across restarts'], 'document');
      await second.close();
      expect(inferences).to.equal(1);
      expect(Array.from(restored ?? [])).to.deep.equal(Array.from(original ?? []));
      const row = db.prepare('SELECT model_id, length(vector) AS bytes FROM embedding_cache').get();
      expect(row).to.deep.equal({ model_id: first.modelId, bytes: 384 * 4 });
    } finally {
      db.close();
    }
  });

  it('finishes queued work on close, then rejects embed and check with UNAVAILABLE', async () => {
    const embedder = await createOnnxEmbedder({ modelDir: realModelDir(), model: 'all-MiniLM-L6-v2', logger: silentLogger() });
    const queued = embedder.embed(['finished before the model is released'], 'document');
    await embedder.close();
    expect(await queued).to.have.length(1);
    for (const call of [() => embedder.embed(['too late'], 'document'), () => embedder.check()]) {
      const err = await call().then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).to.be.instanceOf(CortexError);
      expect((err as CortexError).kind).to.equal('UNAVAILABLE');
    }
    await embedder.close();
  });
});

for (const model of ['bge-small-en-v1.5', 'e5-small-v2'] as const) {
  describe(`onnx embedder (real ${model})`, () => {
    let embedder: Embedder;
    before(async () => {
      embedder = await createOnnxEmbedder({ modelDir: realModelDir(model), model, logger: silentLogger() });
    });
    after(async () => {
      // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- unset when before() failed
      await embedder?.close();
    });

    it('embeds a query and a document with the model\'s prefixes, within int8 drift of the fp32 reference', async () => {
      const reference = prefixedReference(model);
      expect(reference.queryPrefix).to.equal(MODELS[model].queryPrefix);
      expect(reference.documentPrefix).to.equal(MODELS[model].documentPrefix);
      for (const { purpose, text, vector } of reference.cases) {
        const [got] = await embedder.embed([text], purpose);
        for (let d = 0; d < 3; d += 1) expect(got?.[d]).to.be.closeTo(vector[d] ?? NaN, 0.02, `${purpose}[${d}]`);
        expect(cosine(got ?? [], vector), purpose).to.be.greaterThan(0.99);
      }
    });

    it('embeds the same text differently as a query and as a document', async () => {
      const text = 'where did Melanie go hiking last weekend';
      const [[asQuery], [asDocument]] = await Promise.all([embedder.embed([text], 'query'), embedder.embed([text], 'document')]);
      expect(cosine(asQuery ?? [], asDocument ?? [])).to.be.lessThan(0.999);
    });

    it('ranks the passage that answers a question above one that does not', async () => {
      const [question] = await embedder.embed(['What instrument does Caroline play?'], 'query');
      const [answer, other] = await embedder.embed(
        ['Caroline: I have been practising the violin every evening since May.', 'Melanie: We drove to the lake and camped for two nights.'],
        'document',
      );
      expect(cosine(question ?? [], answer ?? [])).to.be.greaterThan(cosine(question ?? [], other ?? []));
    });
  });
}

describe('onnx embedder batching', () => {
  it('does not pad a short text to a long one: texts of different lengths go in different batches', async () => {
    const events: InferenceEvent[] = [];
    const embedder = await createOnnxEmbedder({
      modelDir: realModelDir(),
      model: 'all-MiniLM-L6-v2',
      logger: silentLogger(),
      onInference: (e) => void events.push(e),
    });
    try {
      const long = 'A considerably longer memory that records several facts about the deployment. '.repeat(4);
      await embedder.embed(['short one', long, 'short two'], 'document');
      expect(events.map((e) => e.batchSize).sort()).to.deep.equal([1, 2]);
      const shortBatch = events.find((e) => e.batchSize === 2);
      expect(shortBatch?.sequenceLength).to.be.lessThan(8);
    } finally {
      await embedder.close();
    }
  });

  it('gives the same vectors on the main thread as in the workers', async () => {
    const text = 'Workers and the main thread run the same graph.';
    const inline = await createOnnxEmbedder({ modelDir: realModelDir(), model: 'all-MiniLM-L6-v2', logger: silentLogger(), workers: 0 });
    const pooled = await createOnnxEmbedder({ modelDir: realModelDir(), model: 'all-MiniLM-L6-v2', logger: silentLogger(), workers: 2 });
    try {
      const [[a], [b]] = await Promise.all([inline.embed([text], 'document'), pooled.embed([text], 'document')]);
      for (let d = 0; d < 384; d += 1) expect(a?.[d]).to.be.closeTo(b?.[d] ?? NaN, 1e-5);
    } finally {
      await Promise.all([inline.close(), pooled.close()]);
    }
  });
});

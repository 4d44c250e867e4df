import { expect } from 'chai';
import { CortexError } from '../errors.js';
import { ModelUnavailableError } from './errors.js';
import type { InferenceSetup } from './inference.js';
import { createInferencePool, type InferenceRunner } from './inference-pool.js';
import { silentLogger } from './test-helpers.js';

const FAKE_WORKER = new URL('./worker-test-helpers.ts', import.meta.url);
const setup = (mode = 'serve'): InferenceSetup => {
  const base: InferenceSetup = {
    modelDir: '/models/fake',
    onnx: new Uint8Array(),
    tokenizerJson: {},
    tokenizerConfig: {},
    pooling: 'mean',
    dimensions: 4,
    maxTokens: 256,
  };
  return Object.assign(base, { mode });
};

async function failure(promise: Promise<unknown>): Promise<CortexError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).to.be.instanceOf(CortexError);
  return err as CortexError;
}

describe('inference pool (worker threads)', () => {
  let pool: InferenceRunner | undefined;
  afterEach(async () => {
    await pool?.close();
    pool = undefined;
  });
  const open = async (workers = 1, mode?: string): Promise<InferenceRunner> => {
    pool = await createInferencePool({ setup: setup(mode), workers, logger: silentLogger(), workerUrl: FAKE_WORKER });
    return pool;
  };

  it('runs batches in its workers and hands back one vector per text', async () => {
    const runner = await open(2);
    expect(runner.capacity).to.equal(2);
    const results = await Promise.all([runner.run(['a', 'b']), runner.run(['c']), runner.run(['d', 'e', 'f'])]);
    expect(results.map((r) => r.vectors.length)).to.deep.equal([8, 4, 12]);
  });

  it('turns a failure reported by a worker into UNAVAILABLE for that batch only', async () => {
    const runner = await open();
    const err = await failure(runner.run(['error']));
    expect(err.kind).to.equal('UNAVAILABLE');
    expect(err.reason).to.equal('EMBEDDING_INFERENCE_FAILED');
    expect(err.message).to.include('the session rejected the batch');
    expect((await runner.run(['fine'])).vectors).to.have.length(4);
  });

  for (const how of ['crash', 'exit'] as const) {
    it(`fails the batch of a worker that dies (${how}) with UNAVAILABLE and replaces the worker`, async () => {
      const runner = await open();
      const err = await failure(runner.run([how]));
      expect(err.kind).to.equal('UNAVAILABLE');
      expect(err.reason).to.equal('EMBEDDING_WORKER_DIED');
      expect(err.message).to.include(how === 'crash' ? 'boom inside the worker' : 'exit code 7');
      // Queued behind the replacement's start-up, then served by it.
      expect((await runner.run(['after the crash'])).vectors).to.have.length(4);
    });
  }

  it('keeps serving on the other workers while one is replaced', async () => {
    const runner = await open(2);
    const [crashed, served] = await Promise.allSettled([runner.run(['exit']), runner.run(['meanwhile'])]);
    expect(crashed.status).to.equal('rejected');
    expect(served.status).to.equal('fulfilled');
  });

  it('rejects start-up with the model error a worker reports, naming the model directory', async () => {
    const err = await failure(open(2, 'fail-load'));
    expect(err).to.be.instanceOf(ModelUnavailableError);
    expect(err.reason).to.equal('EMBEDDING_MODEL_UNUSABLE');
    expect(err.message).to.include('fake graph rejected').and.to.include('/models/fake');
  });

  it('rejects start-up when a worker dies while loading', async () => {
    const err = await failure(open(1, 'throw-on-load'));
    expect(err.reason).to.equal('EMBEDDING_MODEL_UNUSABLE');
    expect(err.message).to.include('exited with code 1 while loading');
  });

  it('stops its workers on close and refuses later batches with UNAVAILABLE', async () => {
    const runner = await open(2);
    await runner.run(['warm']);
    await runner.close();
    const err = await failure(runner.run(['too late']));
    expect(err.reason).to.equal('EMBEDDER_CLOSED');
  });
});

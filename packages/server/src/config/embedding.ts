import { resolve } from 'node:path';

/**
 * CORTEX_EMBEDDER, CORTEX_EMBEDDING_*, CORTEX_MODEL_DIR, CORTEX_EMBEDDER_*: which embedder makes
 * the vectors. Model names are checked by embedding/ (models.ts is their one home).
 */
export type EmbeddingConfig =
  | {
      readonly provider: 'local';
      /** A model of embedding/models.ts, e.g. e5-small-v2. */
      readonly model: string;
      /** Holds that model's files (scripts/fetch-model.mjs puts them there). */
      readonly modelDir: string;
      /** Inference worker threads; 0 runs inference on the main thread; undefined: one per core, at most 4. */
      readonly workers: number | undefined;
      /** onnxruntime threads per worker; undefined: 1 per worker (onnxruntime's choice without workers). */
      readonly threads: number | undefined;
    }
  | ({ readonly provider: 'openai' } & RemoteEmbedderConfig);

/** An OpenAI-compatible /v1/embeddings endpoint. */
export interface RemoteEmbedderConfig {
  /** Base URL, e.g. https://api.openai.com/v1 (the embedder appends /embeddings). */
  readonly url: string;
  readonly model: string;
  /** Sent as a Bearer token when set. */
  readonly apiKey: string;
  /** Length of the vectors the model returns; checked on first use, and the vector index is built for it. */
  readonly dimensions: number;
  /** Per HTTP attempt. */
  readonly timeoutMs: number;
  /** Put before queries / documents, for models trained with prefixes (e.g. "query: " for e5). */
  readonly queryPrefix: string;
  readonly documentPrefix: string;
}

/** e5-small-v2 won the LoCoMo dev evaluation at the same cost per text (docs/embedding.md). */
export const DEFAULT_EMBEDDING_MODEL = 'e5-small-v2';

type IntReader = (name: string, fallback: number, min: number, max: number) => number;

export function loadEmbeddingConfig(env: NodeJS.ProcessEnv, int: IntReader, problems: string[]): EmbeddingConfig {
  const provider = env.CORTEX_EMBEDDER ?? 'local';
  if (provider === 'openai') return loadRemote(env, int, problems);
  if (provider !== 'local') problems.push(`CORTEX_EMBEDDER=${provider} must be "local" or "openai"`);
  const optionalInt = (name: string, min: number, max: number): number | undefined =>
    env[name] === undefined || env[name] === '' ? undefined : int(name, min, min, max);
  const set = (name: string): string | undefined => (env[name] === '' ? undefined : env[name]);
  const model = set('CORTEX_EMBEDDING_MODEL') ?? DEFAULT_EMBEDDING_MODEL;
  return {
    provider: 'local',
    model,
    modelDir: resolve(set('CORTEX_MODEL_DIR') ?? `./models/${model}`),
    workers: optionalInt('CORTEX_EMBEDDING_WORKERS', 0, 64),
    threads: optionalInt('CORTEX_EMBEDDING_THREADS', 1, 64),
  };
}

function loadRemote(env: NodeJS.ProcessEnv, int: IntReader, problems: string[]): EmbeddingConfig {
  const url = env.CORTEX_EMBEDDER_URL ?? '';
  const model = env.CORTEX_EMBEDDER_MODEL ?? '';
  if (!/^https?:\/\/[^/]/u.test(url)) problems.push(`CORTEX_EMBEDDER=openai needs CORTEX_EMBEDDER_URL (http or https), got "${url}"`);
  if (model === '') problems.push('CORTEX_EMBEDDER=openai needs CORTEX_EMBEDDER_MODEL');
  if (!env.CORTEX_EMBEDDER_DIMENSIONS) problems.push('CORTEX_EMBEDDER=openai needs CORTEX_EMBEDDER_DIMENSIONS (the length of the model\'s vectors)');
  return {
    provider: 'openai',
    url: url.replace(/\/+$/u, ''),
    model,
    apiKey: env.CORTEX_EMBEDDER_API_KEY ?? '',
    dimensions: int('CORTEX_EMBEDDER_DIMENSIONS', 0, 1, 65_536),
    timeoutMs: int('CORTEX_EMBEDDER_TIMEOUT_MS', 10_000, 100, 600_000),
    queryPrefix: env.CORTEX_EMBEDDER_QUERY_PREFIX ?? '',
    documentPrefix: env.CORTEX_EMBEDDER_DOCUMENT_PREFIX ?? '',
  };
}

import type winston from 'winston';
import { ConfigError, type EmbeddingConfig } from '../config/index.js';
import type { Embedder } from './embedder.js';
import type { EmbeddingCache } from './embedding-cache.js';
import { isLocalModelName, LOCAL_MODEL_NAMES } from './models.js';
import { createOnnxEmbedder } from './onnx-embedder.js';
import { createOpenAiEmbedder } from './openai-embedder.js';

export interface EmbedderDeps {
  readonly logger: winston.Logger;
  /** The persistent vector cache of a model id. */
  readonly cache: (modelId: string) => EmbeddingCache;
}

/** The embedder the configuration names: a local ONNX model (default) or an OpenAI-compatible service. */
export async function createEmbedder(config: EmbeddingConfig, deps: EmbedderDeps): Promise<Embedder> {
  if (config.provider === 'openai') return createOpenAiEmbedder({ ...config, ...deps });
  if (!isLocalModelName(config.model)) {
    throw new ConfigError([`CORTEX_EMBEDDING_MODEL=${config.model} is not a known model; use one of ${LOCAL_MODEL_NAMES.join(', ')}`]);
  }
  return createOnnxEmbedder({
    modelDir: config.modelDir,
    model: config.model,
    ...deps,
    ...(config.workers === undefined ? {} : { workers: config.workers }),
    ...(config.threads === undefined ? {} : { intraOpNumThreads: config.threads }),
  });
}

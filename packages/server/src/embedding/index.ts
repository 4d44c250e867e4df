export { EMBEDDING_DIMENSIONS, MAX_SEQUENCE_TOKENS, type EmbedPurpose, type Embedder } from './embedder.js';
export { createOnnxEmbedder, defaultWorkerCount, type InferenceEvent, type OnnxEmbedderDeps } from './onnx-embedder.js';
export {
  createLruEmbeddingCache,
  createSqliteEmbeddingCache,
  embeddingCacheKey,
  type EmbeddingCache,
} from './embedding-cache.js';
export { MODEL_SETUP_HINT, ModelUnavailableError, type ModelUnavailableReason } from './errors.js';
export { isLocalModelName, LOCAL_MODEL_NAMES, MODELS, type KnownGraph, type LocalModelName, type ModelSpec } from './models.js';
export { createEmbedder, type EmbedderDeps } from './create-embedder.js';
export { createOpenAiEmbedder, RemoteEmbedderError, type OpenAiEmbedderOptions, type RemoteFailure } from './openai-embedder.js';

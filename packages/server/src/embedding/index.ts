export { EMBEDDING_DIMENSIONS, MAX_SEQUENCE_TOKENS, type EmbedPurpose, type Embedder } from './embedder.js';
export { createOnnxEmbedder, type InferenceEvent, type OnnxEmbedderDeps } from './onnx-embedder.js';
export {
  createLruEmbeddingCache,
  createSqliteEmbeddingCache,
  embeddingCacheKey,
  type EmbeddingCache,
} from './embedding-cache.js';
export { MODEL_SETUP_HINT, ModelUnavailableError, type ModelUnavailableReason } from './errors.js';
export { isLocalModelName, type KnownGraph, type LocalModelName } from './models.js';
export { createEmbedder } from './create-embedder.js';

export { EMBEDDING_DIMENSIONS, MAX_SEQUENCE_TOKENS, type Embedder } from './embedder.js';
export { createOnnxEmbedder, type InferenceEvent, type OnnxEmbedderDeps } from './onnx-embedder.js';
export {
  createLruEmbeddingCache,
  createSqliteEmbeddingCache,
  embeddingCacheKey,
  type EmbeddingCache,
} from './embedding-cache.js';
export { MODEL_SETUP_HINT, ModelUnavailableError, type ModelUnavailableReason } from './errors.js';
export { KNOWN_GRAPHS, type KnownGraph } from './model-files.js';

// Search layer: HNSW with exact fallback, int8 storage form, the keyword index and hybrid fusion.
export type { IndexLogger, LabelFilter, LabeledVector, SearchHit } from './types.js';
export { QUANTIZED_HEADER_BYTES, dequantizeVector, quantizeVector, quantizedByteLength } from './quantize.js';
export { compareHits, exactSearch } from './exact.js';
export { HNSW_DEFAULTS, createHnswIndex } from './hnsw.js';
export type { HnswIndex, HnswIndexDeps, HnswSaveResult, SearchOptions } from './hnsw.js';
export { loadOrCreateHnswIndex } from './hnsw-load.js';
export type { ChangesSince, HnswLoadExpectation, HnswLoadResult, IndexChange } from './hnsw-load.js';
export type { HnswFileMeta, RebuildReason } from './hnsw-files.js';
export { DEFAULT_VECTOR_WEIGHT, boostHits, fuseScores, fusionDepth } from './fusion.js';
export type { FusedHit, FusionLists, FusionOptions, ScoredId } from './fusion.js';
export { STOPWORDS } from './terms.js';

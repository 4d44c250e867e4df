import { expect } from 'chai';
import { resolve } from 'node:path';
import { ConfigError, loadConfig } from './index.js';

const problemsOf = (env: NodeJS.ProcessEnv): string[] => {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return [...error.problems];
    throw error;
  }
  return [];
};

describe('embedding configuration', () => {
  it('defaults to the local e5-small-v2 in ./models, workers and threads left to the embedder', () => {
    expect(loadConfig({}).embedding).to.deep.equal({
      provider: 'local',
      model: 'e5-small-v2',
      modelDir: resolve('models/e5-small-v2'),
      workers: undefined,
      threads: undefined,
    });
  });

  it('looks for a chosen model in its own directory unless CORTEX_MODEL_DIR says otherwise', () => {
    expect(loadConfig({ CORTEX_EMBEDDING_MODEL: 'bge-small-en-v1.5' }).embedding).to.include({ modelDir: resolve('models/bge-small-en-v1.5') });
    expect(loadConfig({ CORTEX_EMBEDDING_MODEL: 'e5-small-v2', CORTEX_MODEL_DIR: '/srv/e5' }).embedding).to.include({ modelDir: '/srv/e5' });
  });

  it('takes the worker and thread counts, 0 workers meaning inference on the event loop', () => {
    expect(loadConfig({ CORTEX_EMBEDDING_WORKERS: '0', CORTEX_EMBEDDING_THREADS: '2' }).embedding).to.include({ workers: 0, threads: 2 });
    expect(problemsOf({ CORTEX_EMBEDDING_WORKERS: '-1', CORTEX_EMBEDDING_THREADS: '0' })).to.have.length(2);
  });

  it('reads a remote OpenAI-compatible embedder, trimming the URL', () => {
    const config = loadConfig({
      CORTEX_EMBEDDER: 'openai',
      CORTEX_EMBEDDER_URL: 'https://api.example.com/v1/',
      CORTEX_EMBEDDER_MODEL: 'text-embedding-3-small',
      CORTEX_EMBEDDER_API_KEY: 'sk-x',
      CORTEX_EMBEDDER_DIMENSIONS: '1536',
    });
    expect(config.embedding).to.deep.equal({
      provider: 'openai',
      url: 'https://api.example.com/v1',
      model: 'text-embedding-3-small',
      apiKey: 'sk-x',
      dimensions: 1536,
      timeoutMs: 10_000,
      queryPrefix: '',
      documentPrefix: '',
    });
  });

  it('names everything a remote embedder lacks, and an unknown embedder', () => {
    const problems = problemsOf({ CORTEX_EMBEDDER: 'openai' });
    expect(problems.join('\n')).to.include('CORTEX_EMBEDDER_URL').and.to.include('CORTEX_EMBEDDER_MODEL').and.to.include('CORTEX_EMBEDDER_DIMENSIONS');
    expect(problemsOf({ CORTEX_EMBEDDER: 'cohere' })).to.deep.equal(['CORTEX_EMBEDDER=cohere must be "local" or "openai"']);
  });
});

import { expect } from 'chai';
import { ConfigError } from '../config/index.js';
import { createEmbedder } from './create-embedder.js';
import { createLruEmbeddingCache } from './embedding-cache.js';
import { realModelDir, silentLogger } from './test-helpers.js';

const deps = { logger: silentLogger(), cache: () => createLruEmbeddingCache() };

describe('createEmbedder', () => {
  it('refuses an unknown local model, naming the known ones', async () => {
    const err = await createEmbedder({ provider: 'local', model: 'gte-huge', modelDir: '/nowhere', workers: 0, threads: undefined }, deps).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).to.be.instanceOf(ConfigError);
    expect((err as ConfigError).problems[0]).to.include('gte-huge').and.to.include('e5-small-v2');
  });

  it('opens the configured local model with the configured workers', async () => {
    const embedder = await createEmbedder({ provider: 'local', model: 'e5-small-v2', modelDir: realModelDir('e5-small-v2'), workers: 1, threads: 1 }, deps);
    try {
      expect(embedder.modelId).to.match(/^e5-small-v2:int8:/u);
      expect(embedder.dimensions).to.equal(384);
      await embedder.check();
    } finally {
      await embedder.close();
    }
  });
});

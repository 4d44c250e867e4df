import { expect } from 'chai';
import { loadConfig } from '../config/index.js';
import { CALIBRATED_FLOORS, defaultRelevanceFloor } from './relevance-floor.js';

describe('default relevance floor', () => {
  it('is the floor calibrated for the configured local model, higher for a model whose cosines run high', () => {
    expect(defaultRelevanceFloor(loadConfig({}).embedding)).to.equal(CALIBRATED_FLOORS['e5-small-v2']);
    expect(defaultRelevanceFloor(loadConfig({ CORTEX_EMBEDDING_MODEL: 'all-MiniLM-L6-v2' }).embedding)).to.equal(0.15);
    expect(CALIBRATED_FLOORS['e5-small-v2']).to.be.greaterThan(CALIBRATED_FLOORS['all-MiniLM-L6-v2']);
  });

  it('is none for a remote embedder nobody calibrated', () => {
    const remote = { CORTEX_EMBEDDER: 'openai', CORTEX_EMBEDDER_URL: 'http://127.0.0.1:1/v1', CORTEX_EMBEDDER_MODEL: 'm', CORTEX_EMBEDDER_DIMENSIONS: '384' };
    expect(defaultRelevanceFloor(loadConfig(remote).embedding)).to.equal(0);
  });
});

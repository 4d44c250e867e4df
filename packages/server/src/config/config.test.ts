import { expect } from 'chai';
import { ConfigError, loadConfig } from './index.js';

describe('loadConfig', () => {
  it('applies the documented defaults', () => {
    const config = loadConfig({});
    expect(config).to.deep.include({ env: 'development', port: 4949, metricsPort: 9464, authEnabled: false });
    expect(config.dataDir).to.match(/\/data$/);
    expect(config.signingKeyGenerated).to.equal(true);
  });

  it('refuses production without a signing key and without auth, naming both', () => {
    expect(() => loadConfig({ CORTEX_ENV: 'production' }))
      .to.throw(ConfigError)
      .with.property('problems')
      .that.satisfies((problems: string[]) =>
        problems.some((p) => p.includes('CORTEX_SIGNING_KEY')) && problems.some((p) => p.includes('CORTEX_API_KEYS')),
      );
  });

  it('starts production with an explicit key and API keys', () => {
    const config = loadConfig({
      CORTEX_ENV: 'production',
      CORTEX_SIGNING_KEY: 'k'.repeat(32),
      CORTEX_API_KEYS: 'agent-fleet:abcdefghijklmnop1234',
    });
    expect(config.signingKeyGenerated).to.equal(false);
    expect(config.apiKeys.get('abcdefghijklmnop1234')).to.equal('agent-fleet');
  });

  it('reports every malformed variable at once', () => {
    try {
      loadConfig({ CORTEX_PORT: 'http', CORTEX_METRICS_PORT: '70000', CORTEX_LOG_LEVEL: 'loud' });
      expect.fail('expected a ConfigError');
    } catch (error) {
      expect((error as ConfigError).problems).to.have.length(3);
    }
  });
});

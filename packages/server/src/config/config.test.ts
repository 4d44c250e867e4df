import { expect } from 'chai';
import { ConfigError, loadConfig } from './index.js';

describe('loadConfig', () => {
  it('applies the documented defaults', () => {
    const config = loadConfig({});
    expect(config).to.deep.include({ env: 'development', host: '0.0.0.0', port: 4949, metricsHost: '0.0.0.0', metricsPort: 9464, tls: undefined });
    expect(config.auth).to.deep.equal({ enabled: false, keysFile: undefined, envKeys: [] });
    expect(config.dataDir).to.match(/\/data$/);
    expect(config.signingKeyGenerated).to.equal(true);
  });

  it('refuses production without a signing key, without auth and in plaintext, naming all three', () => {
    expect(() => loadConfig({ CORTEX_ENV: 'production' }))
      .to.throw(ConfigError)
      .with.property('problems')
      .that.satisfies(
        (problems: string[]) =>
          problems.some((p) => p.includes('CORTEX_SIGNING_KEY')) &&
          problems.some((p) => p.includes('CORTEX_API_KEYS_FILE')) &&
          problems.some((p) => p.includes('refuses plaintext')),
      );
  });

  it('starts production with a signing key, a key file and TLS, or plaintext the operator says a proxy protects', () => {
    const production = { CORTEX_ENV: 'production', CORTEX_SIGNING_KEY: 'k'.repeat(32), CORTEX_API_KEYS_FILE: 'keys.yaml' };
    const tls = loadConfig({ ...production, CORTEX_TLS_CERT: 'server.pem', CORTEX_TLS_KEY: 'server-key.pem' });
    expect(tls.signingKeyGenerated).to.equal(false);
    expect(tls.auth.keysFile).to.match(/\/keys\.yaml$/);
    expect(tls.tls).to.deep.include({ clientCaFile: undefined }).and.have.property('certFile').that.matches(/\/server\.pem$/);
    expect(loadConfig({ ...production, CORTEX_TLS_TERMINATED_BY_PROXY: 'true' }).tlsTerminatedByProxy).to.equal(true);
  });

  it('reads development keys from CORTEX_API_KEYS: every role by default, or the roles and namespaces given', () => {
    const config = loadConfig({ CORTEX_API_KEYS: 'ops:abcdefghijklmnop1234, bob:qrstuvwxyz0123456789:read+write:team-b/*+shared' });
    expect(config.auth).to.deep.include({ enabled: true });
    expect(config.auth.envKeys).to.deep.equal([
      { principal: 'ops', token: 'abcdefghijklmnop1234' },
      { principal: 'bob', token: 'qrstuvwxyz0123456789', roles: ['read', 'write'], namespaces: ['team-b/*', 'shared'] },
    ]);
  });

  it('refuses half a TLS configuration, a client CA without a certificate, and a key entry with roles but no namespaces', () => {
    const problems = (env: Record<string, string>) => {
      try {
        loadConfig(env);
      } catch (error) {
        return (error as ConfigError).problems;
      }
      return [];
    };
    expect(problems({ CORTEX_TLS_CERT: 'a.pem' })).to.deep.equal(['CORTEX_TLS_CERT and CORTEX_TLS_KEY must be set together']);
    expect(problems({ CORTEX_TLS_CLIENT_CA: 'ca.pem' })).to.deep.equal(['CORTEX_TLS_CLIENT_CA needs CORTEX_TLS_CERT and CORTEX_TLS_KEY']);
    expect(problems({ CORTEX_API_KEYS: 'bob:qrstuvwxyz0123456789:read' })[0]).to.match(/principal:token:roles:namespaces/);
  });

  it('binds the metrics port to its own interface when asked', () => {
    expect(loadConfig({ CORTEX_HOST: '0.0.0.0', CORTEX_METRICS_HOST: '127.0.0.1' })).to.deep.include({ host: '0.0.0.0', metricsHost: '127.0.0.1' });
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

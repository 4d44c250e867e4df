import { expect } from 'chai';
import { describe, it } from 'mocha';
import { Code, CortexError, HealthCheckResponse_ServingStatus } from '../src/index.js';
import { withRealServer } from './server.js';

describe('CortexClient against a real server: agent state', function () {
  const client = withRealServer();

  it('reports the server as serving', async () => {
    expect(await client().checkHealth()).to.equal(HealthCheckResponse_ServingStatus.SERVING);
  });

  it('puts state and reads it back in a snapshot', async () => {
    const put = await client().putState({ namespace: 'agents', agentId: 'a1', set: { goal: 'ship' }, expectedVersion: 0 });
    expect(put.version).to.equal(1);
    const snapshot = await client().getSnapshot({ namespace: 'agents', agentId: 'a1' });
    expect(snapshot).to.deep.include({ state: { goal: 'ship' }, stateVersion: 1 });
  });

  it('surfaces a version conflict as ABORTED with the reason and the current version', async () => {
    await client().putState({ namespace: 'agents', agentId: 'a2', set: { step: '1' } });
    await client().putState({ namespace: 'agents', agentId: 'a2', set: { step: '2' } });
    const error = await client()
      .putState({ namespace: 'agents', agentId: 'a2', set: { step: 'stale' }, expectedVersion: 1 })
      .catch((e: unknown) => e);
    expect(error).to.be.instanceOf(CortexError);
    expect(error).to.deep.include({
      code: Code.ABORTED,
      codeName: 'ABORTED',
      reason: 'STATE_VERSION_CONFLICT',
      metadata: { currentVersion: '2', expectedVersion: '1' },
    });
  });
});

import { expect } from 'chai';
import { describe, it } from 'mocha';
import { Code, CortexError, RecallMode, RememberOutcome } from '../src/index.js';
import { withRealServer } from './server.js';

describe('CortexClient against a real server: memories', function () {
  const client = withRealServer();

  it('remembers, recalls by keyword, gets, lists every page and forgets', async () => {
    const stored = await client().remember({
      namespace: 'round-trip',
      memories: [
        { id: 'm1', content: 'the deploy key rotates every Tuesday', kind: 'fact', tags: ['ops'] },
        { id: 'm2', content: 'the user prefers short answers', importance: 0.9 },
        { id: 'm3', content: 'lunch is at noon' },
        { content: 'a memory whose id the server picks' },
      ],
    });
    expect(stored.results.map((r) => r.outcome)).to.deep.equal(Array(4).fill(RememberOutcome.REMEMBER_OUTCOME_CREATED));
    const generatedId = stored.results[3]?.memory?.id ?? '';
    expect(generatedId).to.not.equal('');

    const recalled = await client().recall({ namespace: 'round-trip', query: 'deploy key', mode: RecallMode.RECALL_MODE_KEYWORD });
    expect(recalled.mode).to.equal(RecallMode.RECALL_MODE_KEYWORD);
    expect(recalled.hits.map((h) => h.memory?.id)).to.deep.equal(['m1']);

    const got = await client().getMemory({ namespace: 'round-trip', id: 'm2' });
    expect(got.memory).to.deep.include({ id: 'm2', content: 'the user prefers short answers', importance: 0.9 });

    const listed: string[] = [];
    for await (const memory of client().listAllMemories({ namespace: 'round-trip', pageSize: 1 })) listed.push(memory.id);
    expect(listed).to.have.members(['m1', 'm2', 'm3', generatedId]).and.to.have.length(4);

    const forgotten = await client().forget({ namespace: 'round-trip', ids: ['m1', 'm3', 'missing'] });
    expect(forgotten.forgottenIds).to.have.members(['m1', 'm3']);
    const error = await client().getMemory({ namespace: 'round-trip', id: 'm1' }).catch((e: unknown) => e);
    expect(error).to.be.instanceOf(CortexError).and.to.include({ code: Code.NOT_FOUND, codeName: 'NOT_FOUND' });
  });

  it('ends listAllMemories at once for an empty namespace', async () => {
    const listed = [];
    for await (const memory of client().listAllMemories({ namespace: 'nothing-here' })) listed.push(memory);
    expect(listed).to.deep.equal([]);
  });

  it('rejects bad input with INVALID_ARGUMENT carrying the field violations', async () => {
    const error = await client()
      .remember({ namespace: 'bad input!', memories: [{ id: 'ok', content: '' }] })
      .catch((e: unknown) => e);
    expect(error).to.be.instanceOf(CortexError);
    const cortexError = error as CortexError;
    expect(cortexError.code).to.equal(Code.INVALID_ARGUMENT);
    expect(cortexError.domain).to.equal('cortex.dev');
    expect(cortexError.fieldViolations.map((v) => v.field)).to.include.members(['namespace', 'memories[0].content']);
    expect(cortexError.fieldViolations.every((v) => v.description.length > 0)).to.equal(true);
  });

  it('carries the caller-supplied correlation id back on errors', async () => {
    const error = await rejection(client().getMemory({ namespace: 'round-trip', id: 'nope' }, { correlationId: 'trace-123' }));
    expect(error.correlationId).to.equal('trace-123');
  });

  it('generates a correlation id when the caller gives none', async () => {
    const error = await rejection(client().getMemory({ namespace: 'round-trip', id: 'nope' }));
    expect(error.correlationId).to.match(/^[0-9a-f-]{36}$/);
  });

  it('rejects with CANCELLED when the signal aborts', async () => {
    const controller = new AbortController();
    controller.abort();
    const error = await client().getMemory({ namespace: 'round-trip', id: 'm2' }, { signal: controller.signal }).catch((e: unknown) => e);
    expect(error).to.be.instanceOf(CortexError).and.to.include({ code: Code.CANCELLED });
  });
});

/** The CortexError a call rejects with; fails the test when the call succeeds. */
async function rejection(call: Promise<unknown>): Promise<CortexError> {
  const outcome = await call.then(() => 'resolved', (error: unknown) => error);
  expect(outcome).to.be.instanceOf(CortexError);
  return outcome as CortexError;
}

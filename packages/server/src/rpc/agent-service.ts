import type { Logger } from 'winston';
import type { AgentServiceServer } from '@cortex/proto/cortex/v1/agent_service';
import type { AgentStateStore } from '../memory/agent-state.js';
import type { SnapshotReader } from '../memory/snapshot.js';
import { unary } from './call.js';
import { memoryToProto } from './convert.js';
import { checkAgentId, checkNamespace, RESERVED_KEYS, RESERVED_KEY_RULE, Validator } from './validate.js';

export interface AgentRpcDeps {
  readonly agentState: AgentStateStore;
  readonly readSnapshot: SnapshotReader;
  readonly logger: Logger;
}

const MAX_STATE_KEYS = 1000;
const MAX_KEY_BYTES = 256;
const MAX_VALUE_BYTES = 64 * 1024;

export function createAgentRpc({ agentState, readSnapshot, logger }: AgentRpcDeps): AgentServiceServer {
  return {
    getSnapshot: unary(logger, (request) => {
      const v = new Validator();
      checkNamespace(v, 'namespace', request.namespace);
      checkAgentId(v, 'agent_id', request.agentId, { required: true });
      if (request.hotLimit !== 0) v.range('hot_limit', request.hotLimit, 1, 1000);
      v.done();
      const snapshot = readSnapshot(request.namespace, request.agentId, request.hotLimit || 100);
      return {
        hotMemories: snapshot.hotMemories.map(memoryToProto),
        state: { ...snapshot.state.state },
        stateVersion: snapshot.state.version,
        stateUpdatedAt: snapshot.state.updatedAt === null ? undefined : new Date(snapshot.state.updatedAt),
        tierCounts: snapshot.tierCounts,
        ledgerHeadSeq: snapshot.ledgerHead.seq,
        ledgerHeadHash: snapshot.ledgerHead.hash,
      };
    }),

    putState: unary(logger, (request, ctx) => {
      const v = new Validator();
      checkNamespace(v, 'namespace', request.namespace);
      checkAgentId(v, 'agent_id', request.agentId, { required: true });
      const keys = Object.keys(request.set);
      if (keys.length + request.deleteKeys.length === 0 && !request.replace) {
        v.add('set', 'set, delete_keys or replace is required');
      }
      if (v.maxItems('set', keys.length, MAX_STATE_KEYS)) {
        for (const key of keys) {
          const field = `set[${JSON.stringify(key)}]`;
          v.text(field, key, MAX_KEY_BYTES, { required: true });
          v.text(field, request.set[key] ?? '', MAX_VALUE_BYTES, { required: false });
        }
      }
      if (v.maxItems('delete_keys', request.deleteKeys.length, MAX_STATE_KEYS)) {
        request.deleteKeys.forEach((key, i) => {
          v.text(`delete_keys[${i}]`, key, MAX_KEY_BYTES, { required: true });
          if (RESERVED_KEYS.has(key)) v.add(`delete_keys[${i}]`, RESERVED_KEY_RULE);
        });
      }
      if (request.expectedVersion !== undefined && request.expectedVersion < 0) {
        v.add('expected_version', 'must not be negative');
      }
      v.done();
      const result = agentState.put(ctx, request.namespace, request.agentId, {
        set: request.set,
        deleteKeys: request.deleteKeys,
        replace: request.replace,
        ...(request.expectedVersion !== undefined ? { expectedVersion: request.expectedVersion } : {}),
      });
      return { version: result.version, state: result.state, ledgerSeq: result.ledgerSeq };
    }),
  };
}

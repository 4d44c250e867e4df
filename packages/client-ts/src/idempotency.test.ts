import { expect } from 'chai';
import { describe, it } from 'mocha';
import type { DescMessage } from '@bufbuild/protobuf';
import { ForgetRequest, RecallMode, RecallRequest, RememberRequest } from '@cortex/proto/cortex/v1/memory_service';
import { cortexApi } from './api.js';
import { idempotencyTable, whenSet } from './idempotency.js';
import type { PartialMessage } from './partial-message.js';

const table = idempotencyTable(cortexApi());
const idempotencyOf = (path: string, request: object) => {
  const of = table.get(path);
  if (of === undefined) throw new Error(`no entry for ${path}`);
  return of(request);
};
const message = (typeName: string): DescMessage => {
  const desc = cortexApi().getMessage(typeName);
  if (desc === undefined) throw new Error(`no message ${typeName}`);
  return desc;
};

describe('idempotency from the API descriptors', function () {
  it('makes Remember idempotent only when every item has an id', () => {
    const remember = (ids: string[]) =>
      idempotencyOf('/cortex.v1.MemoryService/Remember', RememberRequest.fromPartial({ memories: ids.map((id) => ({ id, content: 'c' })) }));
    expect(remember(['a', 'b'])).to.equal('idempotent');
    expect(remember(['a', ''])).to.equal('unsafe');
    expect(remember([])).to.equal('unsafe');
  });

  it('makes Forget idempotent by ids, unsafe by filter alone', () => {
    const forget = (request: PartialMessage<ForgetRequest>) =>
      idempotencyOf('/cortex.v1.MemoryService/Forget', ForgetRequest.fromPartial(request));
    expect(forget({ ids: ['a'] })).to.equal('idempotent');
    expect(forget({ filter: { tags: ['old'] } })).to.equal('unsafe');
  });

  it('reads NO_SIDE_EFFECTS as a read and an undeclared RPC as unsafe, whatever the request', () => {
    expect(idempotencyOf('/cortex.v1.MemoryService/Recall', RecallRequest.fromPartial({ query: 'q' }))).to.equal('read');
    expect(idempotencyOf('/cortex.v1.LedgerService/Record', {})).to.equal('unsafe');
  });
});

describe('whenSet (a field path of idempotent_when_set)', function () {
  const recall = message('cortex.v1.RecallRequest');
  const remember = message('cortex.v1.RememberRequest');

  it('counts a field as set when it holds a non-default value', () => {
    const topK = whenSet(recall, 'top_k');
    expect(topK(RecallRequest.fromPartial({}))).to.equal(false);
    expect(topK(RecallRequest.fromPartial({ topK: 5 }))).to.equal(true);
    const mode = whenSet(recall, 'mode');
    expect(mode(RecallRequest.fromPartial({ mode: RecallMode.RECALL_MODE_KEYWORD }))).to.equal(true);
    const metadata = whenSet(remember, 'memories.metadata');
    expect(metadata(RememberRequest.fromPartial({ memories: [{ metadata: {} }] }))).to.equal(false);
    expect(metadata(RememberRequest.fromPartial({ memories: [{ metadata: { k: 'v' } }] }))).to.equal(true);
  });

  it('looks into a message field only when it is present', () => {
    const tags = whenSet(recall, 'filter.tags');
    expect(tags(RecallRequest.fromPartial({}))).to.equal(false);
    expect(tags(RecallRequest.fromPartial({ filter: { tags: [] } }))).to.equal(false);
    expect(tags(RecallRequest.fromPartial({ filter: { tags: ['x'] } }))).to.equal(true);
  });

  it('rejects a path that names no field, or looks into a field that holds no message', () => {
    expect(() => whenSet(remember, 'memories.nope')).to.throw('cortex.v1.MemoryInput has no field "nope"');
    expect(() => whenSet(remember, 'namespace.length')).to.throw('cortex.v1.RememberRequest.namespace holds no message');
  });
});

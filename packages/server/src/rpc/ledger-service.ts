import type { ServerWritableStream } from '@grpc/grpc-js';
import type { Logger } from 'winston';
import type { NamespaceScope, Principal } from '../auth/index.js';
import type { CortexError } from '../errors.js';
import type { Sink, StreamMessage } from '../ledger/subscribe/index.js';
import {
  LedgerServiceService,
  SubscribeResponse,
  type LedgerEntry as ProtoEntry,
  type LedgerServiceServer,
  type SignedHead,
  type SubscribeRequest,
} from '@cortex/proto/cortex/v1/ledger_service';
import type { LedgerEntry } from '../ledger/chain.js';
import type { TreeHead } from '../ledger/heads.js';
import type { LedgerSubsystem } from '../ledger/subsystem.js';
import { callContext, reportIfInternal, unary } from './call.js';
import { pageSize } from './checks.js';
import { toStatus } from './status.js';
import { AGENT_ID_PATTERN, AGENT_ID_RULE, checkAgentId, NAMESPACE_PATTERN, NAMESPACE_RULE, Validator } from './validate.js';

export interface LedgerRpcDeps {
  readonly ledger: LedgerSubsystem;
  readonly logger: Logger;
}

const ACTION_PATTERN = /^[a-z0-9._-]{1,128}$/;
const ACTION_RULE = 'must be 1-128 characters of [a-z0-9._-]';
const MAX_ACTIONS = 100;
const MAX_PAYLOAD_BYTES = 64 * 1024;
const DEFAULT_HEARTBEAT_MS = 5000;

/**
 * LedgerService with a Subscribe serializer that lets pre-encoded messages through: one commit
 * goes to every subscriber, so it is encoded once rather than once per subscriber.
 */
export const LEDGER_SERVICE_DEFINITION = {
  ...LedgerServiceService,
  subscribe: {
    ...LedgerServiceService.subscribe,
    responseSerialize: (value: SubscribeResponse | Buffer): Buffer =>
      Buffer.isBuffer(value) ? value : LedgerServiceService.subscribe.responseSerialize(value),
  },
} as const;

export function createLedgerRpc({ ledger, logger }: LedgerRpcDeps): LedgerServiceServer {
  const convert = createConverter();

  return {
    record: unary(logger, (request, ctx) => {
      const v = new Validator();
      optionalNamespace(v, 'namespace', request.namespace);
      v.text('actor', request.actor, 512, { required: false });
      v.maxChars('actor', request.actor, 128);
      if (v.required('action', request.action)) v.pattern('action', request.action, ACTION_PATTERN, ACTION_RULE);
      v.text('subject', request.subject, 1024, { required: false });
      v.maxChars('subject', request.subject, 256);
      checkAgentId(v, 'agent_id', request.agentId, { required: false });
      if (request.payloadJson !== '' && v.maxBytes('payload_json', request.payloadJson, MAX_PAYLOAD_BYTES) && v.utf8('payload_json', request.payloadJson)) {
        if (!isJsonObject(request.payloadJson)) v.add('payload_json', 'must be a JSON object');
      }
      v.done();
      const entry = ledger.record({
        namespace: request.namespace,
        // The caller's claim is kept beside the authenticated principal, never in its place.
        actor: ctx.actor,
        onBehalfOf: request.actor,
        action: request.action,
        subject: request.subject,
        agentId: request.agentId,
        payloadJson: request.payloadJson || '{}',
        correlationId: ctx.correlationId,
      });
      return { entry: convert.entry(entry) };
    }),

    getEntries: unary(logger, (request, ctx) => {
      const v = new Validator();
      optionalNamespace(v, 'namespace', request.namespace);
      const size = pageSize(v, request.pageSize, { fallback: 100, max: 1000 });
      checkRange(v, request.fromSeq, request.toSeq);
      v.done();
      const page = ledger.readEntries({
        fromSeq: request.fromSeq,
        toSeq: request.toSeq,
        pageSize: size,
        pageToken: request.pageToken,
        namespace: request.namespace,
        ...readableBy(ctx.principal),
      });
      return {
        entries: page.entries.map(convert.entry),
        nextPageToken: page.nextPageToken,
        headSeq: page.headSeq,
        oldestSeq: page.oldestSeq,
      };
    }),

    verify: unary(logger, async (request) => {
      const v = new Validator();
      checkRange(v, request.fromSeq, request.toSeq);
      v.done();
      return ledger.verify({ fromSeq: request.fromSeq, toSeq: request.toSeq });
    }),

    getSignedHead: unary(logger, (request) => {
      const v = new Validator();
      if (request.treeSize < 0) v.add('tree_size', 'must not be negative');
      v.done();
      return { head: signedHead(ledger.proofs.signedHead(request.treeSize)) };
    }),

    getInclusionProof: unary(logger, (request) => {
      const v = new Validator();
      if (request.seq < 1) v.add('seq', 'must be at least 1');
      if (request.treeSize < 0) v.add('tree_size', 'must not be negative');
      else if (request.treeSize > 0 && request.seq > request.treeSize) v.add('tree_size', 'must not be smaller than seq');
      v.done();
      const proof = ledger.proofs.inclusion(request.seq, request.treeSize);
      return { seq: proof.seq, treeSize: proof.treeSize, hashes: proof.hashes, head: proof.head && signedHead(proof.head) };
    }),

    getConsistencyProof: unary(logger, (request) => {
      const v = new Validator();
      if (request.fromSize < 0) v.add('from_size', 'must not be negative');
      if (request.toSize < 0) v.add('to_size', 'must not be negative');
      else if (request.toSize > 0 && request.fromSize > request.toSize) v.add('to_size', 'must not be smaller than from_size');
      v.done();
      const proof = ledger.proofs.consistency(request.fromSize, request.toSize);
      return { fromSize: proof.fromSize, toSize: proof.toSize, hashes: proof.hashes, head: proof.head && signedHead(proof.head) };
    }),

    subscribe: (call: ServerWritableStream<SubscribeRequest, SubscribeResponse>) => {
      const ctx = callContext(call.metadata);
      const request = call.request;
      try {
        const v = new Validator();
        optionalNamespace(v, 'namespace', request.namespace);
        if (request.agentId !== '') v.pattern('agent_id', request.agentId, AGENT_ID_PATTERN, AGENT_ID_RULE);
        if (v.maxItems('actions', request.actions.length, MAX_ACTIONS)) {
          request.actions.forEach((action, i) => v.pattern(`actions[${i}]`, action, ACTION_PATTERN, ACTION_RULE));
        }
        checkRange(v, request.fromSeq, request.toSeq);
        if (request.heartbeatIntervalMs !== 0) v.range('heartbeat_interval_ms', request.heartbeatIntervalMs, 100, 60_000);
        v.done();
        const subscription = ledger.hub.subscribe(
          {
            fromSeq: request.fromSeq,
            toSeq: request.toSeq,
            filter: {
              ...(request.namespace ? { namespace: request.namespace } : {}),
              ...readableBy(ctx.principal),
              ...(request.actions.length > 0 ? { actions: new Set(request.actions) } : {}),
              ...(request.agentId ? { agentId: request.agentId } : {}),
            },
            includeArchived: request.includeArchived,
            heartbeatMs: request.heartbeatIntervalMs || DEFAULT_HEARTBEAT_MS,
          },
          streamSink(call, convert.message, (error) => reportIfInternal(logger, error, ctx)),
        );
        call.on('cancelled', () => subscription.cancel());
      } catch (thrown: unknown) {
        call.emit('error', toStatus(reportIfInternal(logger, thrown, ctx)));
      }
    },
  };
}

/**
 * Adapts a grpc-js server stream to the hub. grpc-js keeps buffering after write() returns
 * false, so the hub must honour it and wait for 'drain'; end() and errors go out only after
 * every written message (the Writable runs _final after pending writes).
 */
function streamSink(
  call: ServerWritableStream<SubscribeRequest, SubscribeResponse>,
  encode: (message: StreamMessage) => Buffer,
  report: (error: CortexError) => CortexError,
): Sink {
  return {
    // LEDGER_SERVICE_DEFINITION's serializer passes the encoded bytes through unchanged.
    write: (message) => call.write(encode(message) as unknown as SubscribeResponse),
    onDrain: (callback) => call.once('drain', callback),
    end: () => call.end(),
    fail: (error) => call.emit('error', toStatus(report(error))),
  };
}

/** Converts once per entry and per message, however many subscribers share them. */
function createConverter() {
  const entries = new WeakMap<LedgerEntry, ProtoEntry>();
  const messages = new WeakMap<StreamMessage, Buffer>();
  const entry = (e: LedgerEntry): ProtoEntry => {
    let proto = entries.get(e);
    if (proto === undefined) {
      proto = {
        seq: e.seq,
        txId: e.txId,
        time: new Date(e.time),
        namespace: e.namespace,
        actor: e.actor,
        onBehalfOf: e.onBehalfOf,
        action: e.action,
        subject: e.subject,
        agentId: e.agentId,
        payloadJson: e.payload,
        correlationId: e.correlationId,
        prevHash: e.prevHash,
        hash: e.hash,
        encodingVersion: e.encoding,
      };
      entries.set(e, proto);
    }
    return proto;
  };
  const message = (m: StreamMessage): Buffer => {
    let encoded = messages.get(m);
    if (encoded === undefined) {
      const proto: SubscribeResponse = { commit: undefined, progress: undefined, head: undefined };
      if (m.kind === 'commit') proto.commit = { txId: m.txId, entries: m.entries.map(entry), continued: m.continued };
      else if (m.kind === 'progress') proto.progress = { headSeq: m.headSeq };
      else proto.head = signedHead(m.head);
      encoded = Buffer.from(SubscribeResponse.encode(proto).finish());
      messages.set(m, encoded);
    }
    return encoded;
  };
  return { entry, message };
}

/** A signed head on the wire: the note, and the fields parsed from it. */
function signedHead(head: TreeHead): SignedHead {
  return {
    treeSize: head.treeSize,
    rootHash: head.rootHash,
    time: new Date(head.time),
    lastEntryHash: head.lastHash,
    previousHeadHash: head.previousHead,
    nextHeadDue: head.nextDue,
    keyId: head.keyId,
    origin: head.origin,
    note: head.note,
  };
}

/** The ledger is shared: a reader sees the namespaces its key holds (an admin key sees every entry). */
function readableBy(principal: Principal): { readable?: NamespaceScope } {
  return principal.namespaces.serverWide ? {} : { readable: principal.namespaces };
}

function optionalNamespace(v: Validator, field: string, value: string): void {
  if (value !== '') v.pattern(field, value, NAMESPACE_PATTERN, NAMESPACE_RULE);
}

function checkRange(v: Validator, fromSeq: number, toSeq: number): void {
  if (fromSeq < 0) v.add('from_seq', 'must not be negative');
  if (toSeq < 0) v.add('to_seq', 'must not be negative');
  // to_seq = from_seq - 1 is an empty range, what a client that is already current asks for.
  if (toSeq > 0 && fromSeq > toSeq + 1) v.add('to_seq', 'must not be before from_seq - 1');
}

function isJsonObject(text: string): boolean {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value);
  } catch {
    return false;
  }
}

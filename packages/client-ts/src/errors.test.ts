import { expect } from 'chai';
import { describe, it } from 'mocha';
import { Metadata } from '@grpc/grpc-js';
import { CortexError, parseRetryAfter } from './errors.js';
import { Code } from '@cortex/proto/google/rpc/code';
import { BadRequest, ErrorInfo, RetryInfo } from '@cortex/proto/google/rpc/error_details';
import { Status } from '@cortex/proto/google/rpc/status';

const any = (type: string, value: Uint8Array) => ({ typeUrl: `type.googleapis.com/${type}`, value: Buffer.from(value) });

function serviceError(code: Code, message: string, details: Array<ReturnType<typeof any>>, trailers: Record<string, string> = {}) {
  const metadata = new Metadata();
  Object.entries(trailers).forEach(([k, v]) => metadata.set(k, v));
  metadata.set('grpc-status-details-bin', Buffer.from(Status.encode({ code, message, details }).finish()));
  return Object.assign(new Error(`${code} ${Code[code]}: ${message}`), { code, details: message, metadata });
}

describe('CortexError.from', () => {
  it('decodes ErrorInfo and BadRequest from grpc-status-details-bin', () => {
    const error = CortexError.from(
      serviceError(Code.INVALID_ARGUMENT, 'bad request', [
        any('google.rpc.ErrorInfo', ErrorInfo.encode({ reason: 'INVALID_REQUEST', domain: 'cortex.dev', metadata: { a: '1' } }).finish()),
        any(
          'google.rpc.BadRequest',
          BadRequest.encode({
            fieldViolations: [{ field: 'namespace', description: 'is required', reason: '', localizedMessage: undefined }],
          }).finish(),
        ),
      ]),
    );
    expect(error).to.include({ code: Code.INVALID_ARGUMENT, codeName: 'INVALID_ARGUMENT', message: 'bad request' });
    expect(error).to.deep.include({
      reason: 'INVALID_REQUEST',
      domain: 'cortex.dev',
      metadata: { a: '1' },
      fieldViolations: [{ field: 'namespace', description: 'is required', reason: '' }],
    });
  });

  it('takes retryAfterMs from the retry-after trailer before RetryInfo', () => {
    const retryInfo = any('google.rpc.RetryInfo', RetryInfo.encode({ retryDelay: { seconds: 7, nanos: 500_000_000 } }).finish());
    expect(CortexError.from(serviceError(Code.RESOURCE_EXHAUSTED, 'slow down', [retryInfo])).retryAfterMs).to.equal(7500);
    expect(
      CortexError.from(serviceError(Code.RESOURCE_EXHAUSTED, 'slow down', [retryInfo], { 'retry-after': '2' })).retryAfterMs,
    ).to.equal(2000);
  });

  it('keeps text trailers and prefers the correlation id the server echoed', () => {
    const thrown = serviceError(Code.RESOURCE_EXHAUSTED, 'slow down', [], {
      'x-ratelimit-remaining': '0',
      'x-correlation-id': 'from-server',
    });
    const error = CortexError.from(thrown, { correlationId: 'sent' });
    expect(error.correlationId).to.equal('from-server');
    expect(error.trailers).to.deep.include({ 'x-ratelimit-remaining': '0' });
    expect(error.trailers).to.not.have.property('grpc-status-details-bin');
    expect(error.cause).to.equal(thrown);
  });

  it('falls back to the correlation id that was sent', () => {
    expect(CortexError.from(serviceError(Code.NOT_FOUND, 'gone', []), { correlationId: 'sent' }).correlationId).to.equal('sent');
  });

  it('keeps code and message when the details cannot be decoded', () => {
    const metadata = new Metadata();
    metadata.set('grpc-status-details-bin', Buffer.from([0xff, 0xff, 0xff]));
    const error = CortexError.from(Object.assign(new Error('14 UNAVAILABLE: down'), { code: 14, details: 'down', metadata }));
    expect(error).to.include({ code: Code.UNAVAILABLE, message: 'down', reason: '' });
  });

  it('turns an abort into CANCELLED, anything else into UNKNOWN, and leaves a CortexError as it is', () => {
    const abort = new DOMException('aborted', 'AbortError');
    expect(CortexError.from(abort)).to.include({ code: Code.CANCELLED, cause: abort });
    expect(CortexError.from('just a string')).to.include({ code: Code.UNKNOWN, message: 'just a string' });
    const original = new CortexError(Code.ABORTED, 'conflict');
    expect(CortexError.from(original)).to.equal(original);
  });

  it('is an Error named CortexError', () => {
    const error = new CortexError(Code.NOT_FOUND, 'gone');
    expect(error).to.be.instanceOf(Error);
    expect(error.name).to.equal('CortexError');
    expect(error.codeName).to.equal('NOT_FOUND');
  });
});

describe('parseRetryAfter', () => {
  it('reads delay-seconds, fractions included', () => {
    expect(parseRetryAfter('2')).to.equal(2000);
    expect(parseRetryAfter(' 0.25 ')).to.equal(250);
  });

  it('reads an HTTP date relative to now', () => {
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(parseRetryAfter('Thu, 01 Jan 2026 00:00:03 GMT', now)).to.equal(3000);
    expect(parseRetryAfter('Wed, 31 Dec 2025 23:59:00 GMT', now)).to.equal(0);
  });

  it('ignores anything else', () => {
    expect(parseRetryAfter('soon')).to.equal(undefined);
    expect(parseRetryAfter('-1')).to.equal(undefined);
  });
});

import { expect } from 'chai';
import { createHmac } from 'node:crypto';
import { describe, it } from 'mocha';
import { signatureHeader, verifySignature } from './signature.js';

const SECRET = 'a-webhook-secret-of-32-characters!';
const NOW = Date.UTC(2025, 0, 1, 12, 0, 0);
const BODY = '{"txId":42,"entries":[{"seq":7}]}';

describe('webhook signatures', () => {
  it('signs "<t>.<body>" with HMAC-SHA256, as the README tells receivers', () => {
    const t = NOW / 1000;
    const expected = createHmac('sha256', SECRET).update(`${t}.${BODY}`).digest('hex');
    expect(signatureHeader(SECRET, BODY, NOW)).to.equal(`t=${t},v1=${expected}`);
  });

  it('verifies its own signature within the tolerance', () => {
    const header = signatureHeader(SECRET, BODY, NOW);
    expect(verifySignature({ secrets: [SECRET], header, body: BODY, nowMs: NOW + 299_000 })).to.deep.equal({ ok: true });
  });

  it('rejects a changed body, another secret, an old timestamp and a malformed header', () => {
    const header = signatureHeader(SECRET, BODY, NOW);
    const verify = (overrides: Partial<Parameters<typeof verifySignature>[0]>) =>
      verifySignature({ secrets: [SECRET], header, body: BODY, nowMs: NOW, ...overrides });
    expect(verify({ body: BODY.replace('42', '43') })).to.deep.include({ ok: false, reason: 'no signature matches the body' });
    expect(verify({ secrets: ['another-secret-of-32-characters!!'] }).ok).to.equal(false);
    expect(verify({ nowMs: NOW + 301_000 })).to.deep.include({ ok: false, reason: `timestamp ${NOW / 1000} is 301 s away` });
    expect(verify({ header: undefined }).ok).to.equal(false);
    expect(verify({ header: 'v1=abc' }).ok).to.equal(false);
    expect(verify({ header: header.replace(/v1=.{4}/, 'v1=0000') }).ok).to.equal(false);
  });

  it('accepts any of several secrets and any of several v1 values, for rotation', () => {
    const header = `${signatureHeader(SECRET, BODY, NOW)},v1=${'0'.repeat(64)}`;
    expect(verifySignature({ secrets: ['old-secret-0123456789abcdefghijkl', SECRET], header, body: BODY, nowMs: NOW }).ok).to.equal(true);
  });
});

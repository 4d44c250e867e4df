import { expect } from 'chai';
import { parseTrustedKeys } from './ledger.js';

describe('ledger configuration', () => {
  // The golden public key of ledger/signing.test.ts; only its shape matters here.
  const signer = { publicKey: '1fae53841eea253e1ef3de4cf1ca75aac503f43ae9459894e7c65b1cbf666a89' };

  it('parses trusted keys from key_id:hex pairs and reports malformed ones', () => {
    const { keys, problems } = parseTrustedKeys(`old:${signer.publicKey}, bad:1234, :${signer.publicKey}`);
    expect([...keys]).to.deep.equal([[signer.publicKey, 'old']]);
    expect(problems).to.have.length(2);
  });
});

import { expect } from 'chai';
import { checkCheckpointSignature, createSigner, publicKeyFromSecret } from './signing.js';

describe('ledger checkpoint signing', () => {
  const signer = createSigner('correct horse battery staple, 32+ chars', 'k1');
  const trusted = new Map([[signer.publicKey, 'k1']]);

  it('derives the same Ed25519 key from the same secret (golden public key)', () => {
    expect(signer.publicKey).to.equal('1fae53841eea253e1ef3de4cf1ca75aac503f43ae9459894e7c65b1cbf666a89');
    expect(publicKeyFromSecret('correct horse battery staple, 32+ chars')).to.equal(signer.publicKey);
    expect(publicKeyFromSecret('another secret of at least 32 chars!')).to.not.equal(signer.publicKey);
  });

  it('accepts its own checkpoints and rejects any change to the signed fields', () => {
    const cp = signer.sign(10, 'ab'.repeat(32), 1764074433000);
    expect(checkCheckpointSignature(cp, trusted)).to.equal(undefined);
    expect(checkCheckpointSignature({ ...cp, seq: 11 }, trusted)).to.equal('bad checkpoint signature');
    expect(checkCheckpointSignature({ ...cp, hash: 'cd'.repeat(32) }, trusted)).to.equal('bad checkpoint signature');
    expect(checkCheckpointSignature({ ...cp, time: cp.time + 1 }, trusted)).to.equal('bad checkpoint signature');
    expect(checkCheckpointSignature({ ...cp, signature: 'zz' }, trusted)).to.equal('bad checkpoint signature');
  });

  it('rejects checkpoints signed by a key the verifier does not trust', () => {
    const other = createSigner('an attacker picked this secret!!!!!', 'k1');
    expect(checkCheckpointSignature(other.sign(1, 'ab'.repeat(32), 1), trusted)).to.match(/untrusted key/);
  });
});

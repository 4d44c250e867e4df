import { expect } from 'chai';
import { createHash, generateKeyPairSync, sign } from 'node:crypto';
import { verifyHead } from './heads.js';
import { entryHash, entryLeafHash, rootFromInclusionProof, verifyConsistency } from './proofs.js';

const h = (...parts: Buffer[]) => createHash('sha256').update(Buffer.concat(parts)).digest();
const leaf = (data: string) => h(Buffer.from([0]), Buffer.from(data));
const node = (l: Buffer, r: Buffer) => h(Buffer.from([1]), l, r);

describe('client ledger proofs (RFC 9162 verification)', () => {
  const [a, b, c, d, e] = ['a', 'b', 'c', 'd', 'e'].map(leaf) as [Buffer, Buffer, Buffer, Buffer, Buffer];
  const root3 = node(node(a, b), c);
  const root5 = node(node(node(a, b), node(c, d)), e);

  it('recomputes a root from audit paths, and rejects a wrong leaf, index or path', () => {
    expect(rootFromInclusionProof(a, 0, 3, [b, c])).to.deep.equal(root3);
    expect(rootFromInclusionProof(c, 2, 3, [node(a, b)])).to.deep.equal(root3);
    expect(rootFromInclusionProof(e, 4, 5, [node(node(a, b), node(c, d))])).to.deep.equal(root5);
    expect(rootFromInclusionProof(d, 3, 5, [c, node(a, b), e])).to.deep.equal(root5);
    expect(rootFromInclusionProof(b, 0, 3, [b, c])).to.not.deep.equal(root3);
    expect(rootFromInclusionProof(a, 1, 3, [b, c])).to.not.deep.equal(root3);
    expect(rootFromInclusionProof(a, 0, 3, [b])).to.equal(undefined);
    expect(rootFromInclusionProof(a, 3, 3, [])).to.equal(undefined);
  });

  it('checks consistency proofs, and rejects them with a wrong root or hash', () => {
    expect(verifyConsistency(2, 3, node(a, b), root3, [c])).to.equal(true);
    expect(verifyConsistency(3, 5, root3, root5, [c, d, node(a, b), e])).to.equal(true);
    expect(verifyConsistency(3, 5, root3, root5, [d, c, node(a, b), e])).to.equal(false);
    expect(verifyConsistency(2, 3, node(a, c), root3, [c])).to.equal(false);
    expect(verifyConsistency(3, 3, root3, root3, [])).to.equal(true);
    expect(verifyConsistency(0, 5, Buffer.alloc(32), root5, [])).to.equal(true);
    expect(verifyConsistency(3, 5, root3, root5, [])).to.equal(false);
  });

  it('hashes entries with the documented canonical encodings (docs/ledger.md test vectors)', () => {
    const entry = {
      seq: 2,
      txId: 1,
      time: new Date(1764074433000),
      namespace: 'ops',
      actor: 'alice',
      onBehalfOf: '',
      action: 'memory.created',
      subject: 'm-1',
      agentId: 'agent-7',
      payloadJson: '{"contentHash":"ab","note":"é\\"✓"}',
      correlationId: 'req-42',
      prevHash: 'a'.repeat(64),
      hash: '',
      encodingVersion: 1,
    };
    expect(entryHash(entry)).to.equal('29b5dae767358bb1419f5fee8dd3cce43285d28948a2d9c456722b3a163596c8');
    const v2 = { ...entry, actor: 'deploy-bot', onBehalfOf: 'alice', encodingVersion: 2 };
    expect(entryHash(v2)).to.equal('5d805e157d9942359539f6d7ef250b60c1b044bf9f4d6ac94db05143100ac076');
    expect(entryLeafHash(entryHash(entry))).to.deep.equal(h(Buffer.from([0]), Buffer.from(entryHash(entry), 'hex')));
  });

  it('accepts a head signed as a C2SP signed note by a trusted key, and nothing else', () => {
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    const raw = Buffer.from(String(publicKey.export({ format: 'jwk' }).x), 'base64url');
    const keyHash = h(Buffer.from('w1\n'), Buffer.from([1]), raw).subarray(0, 4);
    const text = `cortex.ledger\n5\n${root5.toString('base64')}\ntime 1764074433000\nlast ${'c'.repeat(64)}\nprev ${'0'.repeat(64)}\nnext 55\n`;
    const note = `${text}\n— w1 ${Buffer.concat([keyHash, sign(null, Buffer.from(text), privateKey)]).toString('base64')}\n`;
    const trusted = [{ keyId: 'w1', publicKey: raw.toString('hex') }];
    expect(verifyHead(note, trusted)).to.deep.include({ origin: 'cortex.ledger', treeSize: 5, rootHash: root5, nextHeadDue: 55, keyId: 'w1' });
    expect(verifyHead(note.replace('next 55', 'next 56'), trusted)).to.equal('BAD_SIGNATURE');
    expect(verifyHead(note, [{ keyId: 'w2', publicKey: raw.toString('hex') }])).to.equal('UNTRUSTED_KEY');
    expect(verifyHead(text, trusted)).to.equal('MALFORMED_HEAD');
  });
});

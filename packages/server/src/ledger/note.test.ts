import { expect } from 'chai';
import { headHash, headText, NO_PREVIOUS_HEAD, parseHead } from './heads.js';
import { EMPTY_ROOT } from './merkle.js';
import { noteKeyHash, openNote } from './note.js';
import { createSigner, publicKeyFromSecret } from './signing.js';
import { tipText } from './tip.js';

describe('ledger signing: keys, signed notes, signed heads', () => {
  const signer = createSigner('correct horse battery staple, 32+ chars', 'k1');
  const trusted = new Map([[signer.publicKey, 'k1']]);
  const fields = {
    origin: 'cortex.ledger',
    treeSize: 10,
    rootHash: Buffer.alloc(32, 7),
    time: 1764074433000,
    lastHash: 'ab'.repeat(32),
    previousHead: NO_PREVIOUS_HEAD,
    nextDue: 60,
  };

  it('derives the same Ed25519 key and tip key from the same secret (golden values)', () => {
    expect(signer.publicKey).to.equal('1fae53841eea253e1ef3de4cf1ca75aac503f43ae9459894e7c65b1cbf666a89');
    expect(publicKeyFromSecret('correct horse battery staple, 32+ chars')).to.equal(signer.publicKey);
    expect(publicKeyFromSecret('another secret of at least 32 chars!')).to.not.equal(signer.publicKey);
    expect(signer.mac(tipText(3, 'ab'.repeat(32)))).to.match(/^[0-9a-f]{64}$/).and.equal(createSigner('correct horse battery staple, 32+ chars', 'other').mac(tipText(3, 'ab'.repeat(32))));
  });

  it('writes a head as a C2SP checkpoint in a signed note, and reads back exactly what it wrote', () => {
    const note = signer.signNote(headText(fields));
    const [text, signature] = note.split('\n\n');
    expect(text!.split('\n')).to.deep.equal([
      'cortex.ledger',
      '10',
      Buffer.alloc(32, 7).toString('base64'),
      'time 1764074433000',
      `last ${'ab'.repeat(32)}`,
      `prev ${'0'.repeat(64)}`,
      'next 60',
    ]);
    const raw = Buffer.from(signature!.replace(/^— k1 /, '').trim(), 'base64');
    expect(raw.subarray(0, 4)).to.deep.equal(noteKeyHash('k1', signer.publicKey));
    expect(raw).to.have.length(68);
    expect(parseHead(note)).to.deep.equal({ ...fields, keyId: 'k1', note });
    expect(openNote(note, trusted)).to.deep.equal({ text: `${text}\n`, keyId: 'k1' });
    expect(headHash({ note })).to.have.length(32);
  });

  it('rejects any change to the signed text, a signature by an untrusted key, and malformed notes', () => {
    const note = signer.signNote(headText(fields));
    expect(openNote(note.replace('next 60', 'next 61'), trusted)).to.deep.include({ problem: 'bad signature' });
    expect(openNote(note.replace('— k1 ', '— k2 '), trusted)).to.deep.include({ problem: 'signed by an untrusted key (key id "k2")' });
    const stranger = createSigner('an attacker picked this secret!!!!!', 'k1');
    expect(openNote(stranger.signNote(headText(fields)), trusted)).to.deep.include({ problem: 'signed by an untrusted key (key id "k1")' });
    expect(openNote(headText(fields), trusted)).to.deep.include({ problem: 'malformed signed note' });
    expect(parseHead(note.replace('time 1764074433000', 'time 01764074433000'))).to.equal(undefined);
    expect(parseHead(signer.signNote(headText({ ...fields, rootHash: EMPTY_ROOT, treeSize: 0 })))?.treeSize).to.equal(0);
  });
});

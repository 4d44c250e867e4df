import { expect } from 'chai';
import { contentTerms, isTrivial, splitSentences } from './sentences.js';

describe('sentences', () => {
  it('splits on sentence ends and on newlines', () => {
    expect(splitSentences('Hey Mel! I went to a support group yesterday.\nIt was powerful.')).to.deep.equal([
      'Hey Mel!', 'I went to a support group yesterday.', 'It was powerful.',
    ]);
  });

  it('keeps content words, lower case, without function words', () => {
    expect(contentTerms('What are John’s goals with his Basketball career?')).to.deep.equal(['john', 'goals', 'basketball', 'career']);
  });

  it('calls acknowledgements, greetings and praise trivial, and facts not', () => {
    for (const s of ['Awesome!', 'Thanks!', 'That’s awesome!', 'Wow, that sounds amazing!', 'Hey Tim, good to see you!', 'Thanks, Caroline!']) {
      expect(isTrivial(s, new Set(['tim', 'caroline'])), s).to.equal(true);
    }
    for (const s of ['Migration 42 timed out.', 'I ran a charity race last Saturday.', 'We rolled back to 3.13.']) {
      expect(isTrivial(s), s).to.equal(false);
    }
    // A name is content unless it belongs to someone in the conversation.
    expect(isTrivial('Good luck, Caroline!')).to.equal(false);
    expect(isTrivial('Good luck, Caroline!', new Set(['caroline']))).to.equal(true);
  });
});

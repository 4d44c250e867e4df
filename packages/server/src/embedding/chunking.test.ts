import { expect } from 'chai';
import fc from 'fast-check';
import { chunkSpans, chunkText, type ChunkOptions } from './chunking.js';

// A stand-in tokenizer: one token per 4 characters of each whitespace-separated word.
const countTokens = (text: string): number =>
  text
    .split(/\s+/u)
    .filter(Boolean)
    .reduce((sum, word) => sum + Math.ceil(Array.from(word).length / 4), 0);

/** Checks that the spans are in order, without gaps, cover all of text and give chunkText's slices. */
function expectCoverage(text: string, options: ChunkOptions): void {
  const spans = chunkSpans(text, options);
  expect(chunkText(text, options)).to.deep.equal(spans.map((s) => text.slice(s.start, s.end)));
  const trimmed = text.trim();
  if (trimmed === '') {
    expect(spans).to.deep.equal([]);
    return;
  }
  const first = text.indexOf(trimmed);
  let covered = first;
  let previousStart = -1;
  for (const { start, end } of spans) {
    const chunk = text.slice(start, end);
    expect(chunk.trim(), 'chunks are trimmed').to.equal(chunk);
    expect(options.countTokens(chunk)).to.be.at.most(options.maxTokens);
    expect(start, 'each chunk starts after the previous one').to.be.greaterThan(previousStart);
    // The next chunk starts inside the previous one (overlap) or right after the whitespace that follows it.
    expect(text.slice(covered, Math.max(covered, start)).trim(), 'no gap').to.equal('');
    previousStart = start;
    covered = Math.max(covered, end);
  }
  expect(covered).to.equal(first + trimmed.length);
}

describe('chunkText', () => {
  const options = { maxTokens: 20, overlapTokens: 4, countTokens };

  it('keeps text that fits as one chunk, trimmed', () => {
    expect(chunkText('  a short text  ', options)).to.deep.equal(['a short text']);
  });

  it('returns no chunks for empty or blank text', () => {
    expect(chunkText('', options)).to.deep.equal([]);
    expect(chunkText(' \n\t ', options)).to.deep.equal([]);
  });

  it('breaks at sentence ends when the chunk would stay at least half full', () => {
    const text = 'one two three four five six seven. eight nine ten eleven twelve thirteen fourteen fifteen sixteen.';
    const chunks = chunkText(text, { maxTokens: 12, overlapTokens: 0, countTokens: (t) => t.split(/\s+/u).filter(Boolean).length });
    expect(chunks[0]).to.equal('one two three four five six seven.');
  });

  it('repeats the tail of a chunk at the start of the next', () => {
    const words = Array.from({ length: 30 }, (_, i) => `w${i}`);
    const chunks = chunkText(words.join(' '), { maxTokens: 10, overlapTokens: 3, countTokens: (t) => t.split(' ').length });
    expect(chunks[0]?.split(' ').slice(-3)).to.deep.equal(chunks[1]?.split(' ').slice(0, 3));
  });

  it('cuts a word longer than a whole chunk into pieces that fit', () => {
    const word = 'x'.repeat(200);
    const chunks = chunkText(`before ${word} after`, options);
    for (const chunk of chunks) expect(countTokens(chunk)).to.be.at.most(20);
    expect(chunks.join('').replace(/\s/gu, '')).to.include(word);
  });

  it('always gives chunks within budget that cover the text in order', () => {
    // Some words are longer than a whole chunk, to exercise cutting inside a word.
    const word = fc.oneof(fc.stringMatching(/^[a-z.!?]{1,30}$/u), fc.stringMatching(/^[a-z]{100,300}$/u));
    const gap = fc.constantFrom(' ', '  ', '\n', '\n\n', '\t');
    const textArb = fc
      .array(fc.tuple(word, gap), { maxLength: 150 })
      .map((parts) => parts.map(([w, g]) => w + g).join(''));
    fc.assert(
      fc.property(textArb, fc.integer({ min: 8, max: 60 }), fc.integer({ min: 0, max: 10 }), (text, maxTokens, overlapTokens) => {
        expectCoverage(text, { maxTokens, overlapTokens, countTokens });
      }),
      { numRuns: 500 },
    );
  });
});

import { expect } from 'chai';
import { isBlank } from './text.js';

describe('blank text', () => {
  it('counts text as blank when only white space, control or invisible characters remain', () => {
    const blank = ['', ' ', '\t\n\r', '\u0000', '\u0000 \u0001', '\u200B', '\uFEFF', '\u2060', '\u00A0\u3000', '\u3164', '\u200D\uFE0F', ' \u200B\u0000 '];
    expect(blank.filter((text) => !isBlank(text))).to.deep.equal([]);
  });

  it('counts any visible character, in any script, as content', () => {
    const visible = ['a', ' a ', '\u200Bx', '漢', '🙂', 'é', '\u0000 0', '.'];
    expect(visible.filter((text) => isBlank(text))).to.deep.equal([]);
  });
});

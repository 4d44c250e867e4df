import { expect } from 'chai';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'mocha';
import { cursorFile, CursorError } from './cursor.js';

describe('the cursor file', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'cortex-cursor-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('is absent until the first save', async () => {
    expect(await cursorFile(join(dir, 'cursor.json')).load()).to.equal(undefined);
  });

  it('reads back what was saved last, leaving no temporary file behind', async () => {
    const cursor = cursorFile(join(dir, 'cursor.json'));
    await cursor.save(17);
    await cursor.save(42);
    expect(await cursor.load()).to.equal(42);
    expect(readFileSync(join(dir, 'cursor.json'), 'utf8')).to.equal('{"nextSeq":42}\n');
    expect(readdirSync(dir)).to.deep.equal(['cursor.json']);
  });

  it('refuses a file that holds no cursor instead of starting over', async () => {
    const path = join(dir, 'cursor.json');
    for (const text of ['not json', '{"nextSeq":-1}', '{"nextSeq":"7"}', '{}']) {
      writeFileSync(path, text);
      const error = await cursorFile(path).load().catch((e: unknown) => e);
      expect(error, text).to.be.instanceOf(CursorError);
      expect((error as Error).message).to.include(path);
    }
  });

  it('fails loudly when it cannot be written', async () => {
    const error = await cursorFile(join(dir, 'missing-dir', 'cursor.json')).save(1).catch((e: unknown) => e);
    expect(error).to.be.instanceOf(Error).and.to.have.property('code', 'ENOENT');
  });
});

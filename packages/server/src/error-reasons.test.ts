import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ErrorReason } from './error-reasons.js';

describe('error reason catalogue', () => {
  it('sends every reason as its own name', () => {
    for (const [name, reason] of Object.entries(ErrorReason)) expect(reason).to.equal(name);
  });

  it('lists every reason in docs/architecture.md, where SDK users look them up', () => {
    const doc = readFileSync(join(import.meta.dirname, '..', '..', '..', 'docs', 'architecture.md'), 'utf8');
    const documented = [...doc.matchAll(/^\| `([A-Z_]+)` \|/gm)].map((m) => m[1]);
    expect(documented).to.have.members(Object.values(ErrorReason));
  });
});

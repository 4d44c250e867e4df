import { expect } from 'chai';
import { CortexError } from '../errors.js';
import { CTX, input, openTierFixture, type TierFixture } from './tiers-test-helpers.js';

describe('remember without the RPC layer', () => {
  let f: TierFixture;
  afterEach(async () => {
    await f.close();
  });

  it('refuses a batch holding blank content and writes none of it', async () => {
    f = await openTierFixture();
    const batch = [input('fine', 'a real note'), input('blank', ' \u200B\u0000\n')];
    const error: unknown = await f.memories.remember(CTX, 'ns', batch).then(
      () => undefined,
      (thrown: unknown) => thrown,
    );
    expect(error).to.be.instanceOf(CortexError).and.to.have.property('kind', 'INVALID_ARGUMENT');
    expect([f.tierOf('fine'), f.tierOf('blank')]).to.deep.equal([undefined, undefined]);
    expect(f.entries('memory.created')).to.deep.equal([]);
  });
});

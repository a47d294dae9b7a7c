import { describe, expect, it } from 'vitest';
import { laterOf } from '../../src/client/pipeline.js';

describe('the models a call may spill to', () => {
  it('are the models after the index; none after the last', () => {
    const chain = Object.freeze(['a', 'b', 'c']);
    expect(laterOf(chain, 0)).toEqual(['b', 'c']);
    expect(laterOf(chain, 1)).toEqual(['c']);
    expect(laterOf(chain, 2)).toBeUndefined();
  });

  it('are built once per frozen chain, and cannot be changed by whoever reads them', () => {
    const chain = Object.freeze(['a', 'b', 'c']);
    const first = laterOf(chain, 0);
    expect(laterOf(chain, 0)).toBe(first);
    expect(Object.isFrozen(first)).toBe(true);
  });

  it('follow an array that can change (a call’s own models): never a stale copy', () => {
    const chain = ['a', 'b'];
    expect(laterOf(chain, 0)).toEqual(['b']);
    chain.push('c');
    expect(laterOf(chain, 0)).toEqual(['b', 'c']);
  });
});

import { describe, expect, it } from 'vitest';
import { EventBus } from '../../src/events/events.js';

interface M {
  a: { readonly n: number };
  b: { readonly n: number };
}

const bus = (): EventBus<M> => new EventBus<M>(() => {});

describe('the event bus calls the listeners of the moment', () => {
  it('in the order they were added, each emit after a change seeing the change', () => {
    const b = bus();
    const seen: string[] = [];
    expect(b.wants('a')).toBe(false);
    b.emitBuilt('a', { n: 0 });
    const one = (p: { n: number }): void => void seen.push(`one${p.n}`);
    const two = (p: { n: number }): void => void seen.push(`two${p.n}`);
    b.on('a', one);
    expect(b.wants('a')).toBe(true);
    b.emitBuilt('a', { n: 1 });
    const offTwo = b.on('a', two);
    b.emit('a', { n: 2 });
    offTwo();
    b.emitBuilt('a', { n: 3 });
    b.off('a', one);
    expect(b.wants('a')).toBe(false);
    b.emitBuilt('a', { n: 4 });
    expect(seen).toEqual(['one1', 'one2', 'two2', 'one3']);
  });

  it('a listener added during an emit is not called by it; one removed during it still is (as the emitter does)', () => {
    const b = bus();
    const seen: string[] = [];
    const late = (): void => void seen.push('late');
    const second = (): void => void seen.push('second');
    b.on('a', () => {
      seen.push('first');
      b.on('a', late);
      b.off('a', second);
    });
    b.on('a', second);
    b.emitBuilt('a', { n: 1 });
    expect(seen).toEqual(['first', 'second']);
    seen.length = 0;
    b.emitBuilt('a', { n: 2 });
    expect(seen).toEqual(['first', 'late']);
  });

  it('a once listener is called once, beside the others, on its own event only', () => {
    const b = bus();
    const seen: string[] = [];
    b.on('a', (p) => void seen.push(`on${p.n}`));
    b.once('a', (p) => void seen.push(`once${p.n}`));
    b.on('b', (p) => void seen.push(`b${p.n}`));
    b.emitBuilt('a', { n: 1 });
    b.emitBuilt('a', { n: 2 });
    b.emitBuilt('b', { n: 3 });
    expect(seen).toEqual(['on1', 'once1', 'on2', 'b3']);
    expect(b.listenerCount('a')).toBe(1);
    b.once('b', () => void seen.push('bonce'));
    b.clear();
    expect(b.wants('a')).toBe(false);
    expect(b.wants('b')).toBe(false);
    b.emitBuilt('a', { n: 4 });
    b.emitBuilt('b', { n: 5 });
    expect(seen).toEqual(['on1', 'once1', 'on2', 'b3']);
  });

  it('payloads stay frozen, and a throwing listener neither fails the emit nor stops the next one', () => {
    const errors: string[] = [];
    const b = new EventBus<M>((_error, event) => errors.push(event));
    const got: { n: number }[] = [];
    b.on('a', () => {
      throw new Error('listener bug');
    });
    b.on('a', (p) => void got.push(p));
    b.emitBuilt('a', { n: 1 });
    b.emit('a', { n: 2 });
    expect(errors).toEqual(['a', 'a']);
    expect(got.map((p) => p.n)).toEqual([1, 2]);
    expect(got.every((p) => Object.isFrozen(p))).toBe(true);
  });

  it('a change between wants and the emit it was asked for is seen by that emit', () => {
    const b = bus();
    const seen: string[] = [];
    const one = (): void => void seen.push('one');
    const two = (): void => void seen.push('two');
    b.on('a', one);
    expect(b.wants('a')).toBe(true);
    b.on('a', two);
    b.emitBuilt('a', { n: 1 });
    expect(b.wants('a')).toBe(true);
    b.off('a', one);
    b.emitBuilt('a', { n: 2 });
    expect(b.wants('a')).toBe(true);
    b.clear();
    b.emitBuilt('a', { n: 3 });
    // Asked about one name, emitting another: the other's listeners.
    b.on('b', () => void seen.push('b'));
    expect(b.wants('a')).toBe(false);
    b.emitBuilt('b', { n: 4 });
    expect(seen).toEqual(['one', 'two', 'two', 'b']);
  });
});

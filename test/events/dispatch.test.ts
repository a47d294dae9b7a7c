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

  // What eventemitter3 itself does in each case: the bus, which wraps it, must do the same (decision 0059).
  type Api = { on(f: () => void): () => void; once(f: () => void): () => void; off(f: () => void): void; emit(): void; count(): void; log(s: string): void };
  const cases: [string, (b: Api, l: () => void, m: () => void) => void, string[]][] = [
    ['a listener added with on and with once', (b, l) => {
      b.on(l);
      b.once(l);
      b.emit();
      b.emit();
      b.count();
    }, ['l', 'l', 'l', 'n1']],
    ['a listener added twice with once: both entries called, both gone', (b, l) => {
      b.once(l);
      b.once(l);
      b.emit();
      b.count();
      b.emit();
    }, ['l', 'l', 'n0']],
    ['a once listener removed by an earlier one during the emit is still called by it', (b, l) => {
      b.on(() => {
        b.log('k');
        b.off(l);
      });
      b.once(l);
      b.emit();
      b.count();
      b.emit();
    }, ['k', 'l', 'n1', 'k']],
    ['the unsubscribe of a once removes the same listener added with on', (b, l) => {
      const off = b.once(l);
      b.on(l);
      off();
      b.emit();
      b.count();
    }, ['n0']],
    ['off removes a listener added with once and with on', (b, l) => {
      b.once(l);
      b.on(l);
      b.off(l);
      b.emit();
      b.count();
    }, ['n0']],
    ['a once listener adding itself again during its call', (b) => {
      const again = (): void => {
        b.log('again');
        b.once(again);
      };
      b.once(again);
      b.emit();
      b.emit();
      b.count();
    }, ['again', 'again', 'n1']],
    ['once and on mixed, in the order added', (b, l, m) => {
      b.once(l);
      b.on(m);
      b.once(m);
      b.on(l);
      b.emit();
      b.count();
      b.emit();
      b.count();
    }, ['l', 'm', 'm', 'l', 'n2', 'm', 'l', 'n2']],
  ];
  it.each(cases)('%s', (_name, run, expected) => {
    const b = bus();
    const seen: string[] = [];
    const log = (s: string): void => void seen.push(s);
    run(
      { on: (f) => b.on('a', f), once: (f) => b.once('a', f), off: (f) => b.off('a', f), emit: () => b.emitBuilt('a', { n: 0 }), count: () => log(`n${b.listenerCount('a')}`), log },
      () => log('l'),
      () => log('m'),
    );
    expect(seen).toEqual(expected);
  });

  it.each(cases)('through a topic: %s', (_name, run, expected) => {
    const b = bus();
    const topic = b.topic('a');
    const seen: string[] = [];
    const log = (s: string): void => void seen.push(s);
    const emit = (): void => {
      log(`w${b.wantsTopic(topic) ? 1 : 0}`);
      b.emitTopic(topic, { n: 0 });
    };
    run({ on: (f) => b.on('a', f), once: (f) => b.once('a', f), off: (f) => b.off('a', f), emit, count: () => log(`n${b.listenerCount('a')}`), log }, () => log('l'), () => log('m'));
    // The same calls as by name, each emit told first whether anyone listens.
    const byName: string[] = [];
    const ref = bus();
    const refLog = (s: string): void => void byName.push(s);
    run(
      {
        on: (f) => ref.on('a', f),
        once: (f) => ref.once('a', f),
        off: (f) => ref.off('a', f),
        emit: () => {
          refLog(`w${ref.wants('a') ? 1 : 0}`);
          ref.emitBuilt('a', { n: 0 });
        },
        count: () => refLog(`n${ref.listenerCount('a')}`),
        log: refLog,
      },
      () => refLog('l'),
      () => refLog('m'),
    );
    expect(seen).toEqual(byName);
    expect(seen.filter((s) => !s.startsWith('w'))).toEqual(expected);
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

  it('a topic sees every change of listeners, its own name only, frozen payloads', () => {
    const b = bus();
    const a = b.topic('a');
    const other = b.topic('b');
    const seen: string[] = [];
    expect(b.wantsTopic(a)).toBe(false);
    b.emitTopic(a, { n: 0 });
    const one = (p: { n: number }): void => void seen.push(`one${p.n}${Object.isFrozen(p) ? '' : ' not frozen'}`);
    b.on('a', one);
    expect(b.wantsTopic(a)).toBe(true);
    expect(b.wantsTopic(other)).toBe(false);
    b.emitTopic(a, { n: 1 });
    const offTwo = b.on('a', () => void seen.push('two'));
    b.emitTopic(a, { n: 2 }); // a change since wantsTopic: seen by the emit
    offTwo();
    b.on('b', () => void seen.push('b'));
    b.emitTopic(other, { n: 3 });
    b.emitTopic(a, { n: 4 });
    b.once('a', () => void seen.push('once'));
    expect(b.wantsTopic(a)).toBe(true);
    b.emitTopic(a, { n: 5 });
    b.emitTopic(a, { n: 6 });
    b.clear();
    expect(b.wantsTopic(a)).toBe(false);
    expect(b.wantsTopic(other)).toBe(false);
    b.emitTopic(a, { n: 7 });
    expect(seen).toEqual(['one1', 'one2', 'two', 'b', 'one4', 'one5', 'once', 'one6']);
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

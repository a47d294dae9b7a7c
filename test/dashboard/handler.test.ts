import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createDashboardHandler } from '../../src/dashboard/index.js';
import { ResilientClient, isConfigError } from '../../src/index.js';
import { createFakeClock } from '../../src/testing/index.js';

function setup() {
  const clock = createFakeClock();
  const client = new ResilientClient({ models: ['a', 'b'], clock });
  return { clock, client, dashboard: createDashboardHandler({ client, basePath: '/internal/llm/', stream: { clock } }) };
}

describe('createDashboardHandler (fetch)', () => {
  it('serves the page with a CSP whose hash allows exactly its inline script, and the feed URL under basePath', async () => {
    const { dashboard } = setup();
    const res = await dashboard.fetch(new Request('http://x/internal/llm/'));
    expect(res.status).toBe(200);
    const html = await res.text();
    const script = html.match(/<script>([\s\S]*)<\/script>/)![1]!;
    const hash = createHash('sha256').update(script).digest('base64');
    expect(res.headers.get('content-security-policy')).toContain(`script-src 'sha256-${hash}'`);
    expect(html).toContain('<meta name="llmr-events" content="/internal/llm/events">');
    expect(html).not.toMatch(/(src|href)=["']?https?:|@import|<link/); // no CDN, nothing fetched but the feed
  });

  it('is read-only and scoped to basePath', async () => {
    const { dashboard } = setup();
    expect((await dashboard.fetch(new Request('http://x/internal/llm/', { method: 'POST' }))).status).toBe(405);
    expect((await dashboard.fetch(new Request('http://x/elsewhere'))).status).toBe(404);
    const head = await dashboard.fetch(new Request('http://x/internal/llm', { method: 'HEAD' }));
    expect(head.status).toBe(200);
    expect(await head.text()).toBe('');
  });

  it('serves snapshot.json and an event stream that stops with the request', async () => {
    const { client, clock, dashboard } = setup();
    const recording = client.listenerCount(); // the history's listeners
    expect(recording).toBeGreaterThan(0);
    const snap = await (await dashboard.fetch(new Request('http://x/internal/llm/snapshot.json'))).json();
    expect(snap.snapshot.models).toEqual(['a', 'b']);
    const ac = new AbortController();
    const res = await dashboard.fetch(new Request('http://x/internal/llm/events', { signal: ac.signal }));
    expect(res.headers.get('content-type')).toContain('text/event-stream');
    const reader = res.body!.getReader();
    await reader.read();
    expect(client.listenerCount()).toBeGreaterThan(0);
    const before = clock.pending();
    ac.abort();
    await reader.read().catch(() => {});
    expect(client.listenerCount()).toBe(recording);
    expect(clock.pending()).toBeLessThan(before);
    dashboard.dispose();
    expect(client.listenerCount()).toBe(0);
  });

  it('replays what happened before a page connected: earlier events, then the current snapshot', async () => {
    const { client, clock, dashboard } = setup();
    await client.run(() => 'ok');
    await client.run(() => {
      throw Object.assign(new Error('bad request'), { status: 400 });
    }).catch(() => {});
    await clock.advance(5_000);
    const res = await dashboard.fetch(new Request('http://x/internal/llm/events'));
    const reader = res.body!.getReader();
    let text = '';
    while (!text.includes('event: snapshot\nid:') || (text.match(/event: snapshot/g) ?? []).length < 2) text += new TextDecoder().decode((await reader.read()).value);
    const names = [...text.matchAll(/^event: (\S+)$/gm)].map((m) => m[1]);
    // A snapshot recorded with the first event, the calls' events in order, then the current snapshot.
    expect(names[0]).toBe('snapshot');
    expect(names.slice(1, -1)).toEqual(expect.arrayContaining(['attempt', 'success', 'failure']));
    expect(names.indexOf('success')).toBeLessThan(names.indexOf('failure'));
    expect(names.at(-1)).toBe('snapshot');
    await reader.cancel();
    dashboard.dispose();
  });

  it('records nothing with history: false', () => {
    const clock = createFakeClock();
    const client = new ResilientClient({ models: ['a'], clock });
    const dashboard = createDashboardHandler({ client, history: false, stream: { clock } });
    expect(client.listenerCount()).toBe(0);
    dashboard.dispose();
  });

  it('rejects a bad basePath with a ConfigError naming it', () => {
    const { client } = setup();
    let err: unknown;
    try {
      createDashboardHandler({ client, basePath: 'no-slash' });
    } catch (e) {
      err = e;
    }
    expect(isConfigError(err)).toBe(true);
    expect((err as Error).message).toContain('createDashboardHandler.basePath');
  });
});

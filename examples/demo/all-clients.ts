/**
 * The demo makes one client per section; its dashboard shows them as one. This
 * is the shape the dashboard reads (`on`, `snapshot`, `budgetSnapshot`,
 * `models`), fanned in over every client, including those created after a page
 * connected.
 */
import type { BudgetSnapshot, ClientSnapshot, MonitorSnapshot, ResilientClient } from 'llm-resilience';
import type { ObservableClient } from 'llm-resilience/sse';

export interface AllClients extends ObservableClient {
  add(client: ResilientClient): void;
}

type Listener = (payload: unknown) => void;

export function allClients(): AllClients {
  const clients: ResilientClient[] = [];
  const subscriptions = new Set<{ event: string; listener: Listener; offs: (() => void)[] }>();

  return {
    add(client) {
      clients.push(client);
      for (const s of subscriptions) s.offs.push(client.on(s.event as never, s.listener));
    },
    on(event: string, listener: Listener) {
      const s = { event, listener, offs: clients.map((c) => c.on(event as never, listener)) };
      subscriptions.add(s);
      return () => {
        subscriptions.delete(s);
        for (const off of s.offs) off();
      };
    },
    get models() {
      return [...new Set(clients.flatMap((c) => c.models))];
    },
    snapshot() {
      const snaps: ClientSnapshot[] = clients.map((c) => c.snapshot());
      const monitors = snaps.flatMap((s) => (s.monitor ? [s.monitor] : []));
      const monitor: MonitorSnapshot | undefined = monitors[0] && {
        ...monitors[0],
        models: monitors.flatMap((m) => m.models),
        budgets: monitors.flatMap((m) => m.budgets),
        recent: monitors.flatMap((m) => m.recent).sort((a, b) => b.timestamp - a.timestamp),
      };
      return {
        timestamp: snaps[0]?.timestamp ?? 0,
        models: this.models,
        breakers: Object.assign({}, ...snaps.map((s) => s.breakers)),
        rateLimits: Object.assign({}, ...snaps.map((s) => s.rateLimits)),
        ...(monitor ? { monitor } : {}),
      };
    },
    async budgetSnapshot() {
      const budgets = (await Promise.all(clients.map((c) => c.budgetSnapshot()))).filter((b): b is BudgetSnapshot => b !== undefined);
      return budgets[0] && { ...budgets[0], scopes: budgets.flatMap((b) => b.scopes) };
    },
    listenerCount() {
      return clients.reduce((n, c) => n + c.listenerCount(), 0);
    },
  };
}

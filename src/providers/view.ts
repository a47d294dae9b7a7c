/**
 * Views of an SDK client's resources in which every road to the network that a
 * model request takes leads through the wrapped methods.
 *
 * Why intercept at the resource and not lower (the client's `post`/`request`):
 * the SDK's helpers — `chat.completions.parse/stream/runTools`, `responses.parse/
 * stream`, Anthropic's `messages.parse/stream`, the beta `toolRunner` — are all
 * built on the resource's own `create`, reached either as `this.create(...)` or as
 * `this._client.<resource>.create(...)`, and they post-process what `create`
 * returns (its `APIPromise`, its `Stream`). Below `create`, the request options
 * are a promise, the body is already serialized for the wire, and the result the
 * helpers expect is built from private request props: intercepting there would
 * mean re-implementing the SDK's `APIPromise`. So a view makes both roads lead to
 * our `create`: inside a view, `this` is the view (so `this.create` is ours) and
 * `this._client` is the wrapped client (so `this._client.chat.completions.create`
 * is ours too). The helper itself is the SDK's own code: its return type, events
 * and `finalMessage()` stay exactly as the SDK made them.
 */

type Fn = (...args: unknown[]) => unknown;

/** How one resource is viewed: methods replaced, and sub-resources that are views too. */
export interface ViewSpec {
  readonly methods?: Readonly<Record<string, unknown>>;
  readonly children?: Readonly<Record<string, ViewSpec>>;
}

/**
 * A view of an SDK resource: the `methods` of `spec` replace the resource's own,
 * `children` are views in turn, `_client` is the wrapped client, and every other
 * method runs with the view as `this` (resources keep no `#private` state, unlike
 * the client class itself). Other properties (sub-resources not in `children`)
 * are the SDK's own objects, unchanged.
 */
export function resourceView<T extends object>(target: T, spec: ViewSpec, client: () => object): T {
  const bound = new WeakMap<Fn, Fn>();
  const children = new Map<string, object>();
  const view: T = new Proxy(target, {
    get(t, prop, receiver) {
      if (typeof prop !== 'string') return Reflect.get(t, prop, receiver);
      if (spec.methods && Object.hasOwn(spec.methods, prop)) return spec.methods[prop];
      if (prop === '_client') return client();
      const v: unknown = Reflect.get(t, prop, view);
      const childSpec = spec.children && Object.hasOwn(spec.children, prop) ? spec.children[prop] : undefined;
      if (childSpec && v !== null && typeof v === 'object') {
        let child = children.get(prop);
        if (!child) children.set(prop, (child = resourceView(v, childSpec, client)));
        return child;
      }
      if (typeof v !== 'function') return v;
      let b = bound.get(v as Fn);
      if (!b) bound.set(v as Fn, (b = (v as Fn).bind(view)));
      return b;
    },
  });
  return view;
}

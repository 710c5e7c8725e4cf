/**
 * The UI's shared building blocks: the page frame (document title and `<h1>`), status badges
 * (text and colour, never colour alone), error boxes (the API's code and message verbatim), and
 * a hook that loads data from the API.
 */
import type { ComponentChildren } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { ApiError } from './api.ts';

export function Page(props: {
  readonly title: string;
  readonly children?: ComponentChildren;
  /** Shown beside the title. */
  readonly aside?: ComponentChildren;
  /** The page fills the window and its content scrolls itself (the fleet grid). */
  readonly fill?: boolean;
}) {
  useEffect(() => {
    document.title = `${props.title} · gitfleet`;
  }, [props.title]);
  return (
    <main class={props.fill === true ? 'page fill' : 'page'} id="main" tabIndex={-1}>
      <div class="page-head">
        <h1>{props.title}</h1>
        {props.aside}
      </div>
      {props.children}
    </main>
  );
}

export type BadgeKind = 'sync' | 'health' | 'connection' | 'action';

const SYMBOL: Readonly<Record<string, string>> = {
  Synced: '✓',
  Healthy: '✓',
  Connected: '●',
  OutOfSync: '≠',
  Applying: '↻',
  Progressing: '↻',
  Failed: '✕',
  Degraded: '✕',
  Missing: '?',
  Suspended: '‖',
  Unknown: '?',
  Stale: '◌',
  Disconnected: '○',
};

/** A status as text with a symbol, coloured by its class (`v-<value>`). */
export function StatusBadge(props: {
  readonly kind: BadgeKind;
  readonly value: string;
  /** The text when it says more than the value (`Unknown (stale)`). */
  readonly text?: string;
}) {
  const sym = SYMBOL[props.value];
  return (
    <span
      class={`badge b-${props.kind} v-${props.value.toLowerCase()}`}
      title={`${props.kind}: ${props.text ?? props.value}`}
    >
      {sym !== undefined && (
        <span class="sym" aria-hidden="true">
          {sym}
        </span>
      )}
      {props.text ?? props.value}
    </span>
  );
}

/** An error as text: the API's `CODE: message` verbatim, else the message. */
export function errorText(error: unknown): string {
  if (error instanceof ApiError) return `${error.code}: ${error.message}`;
  if (error instanceof Error) return error.message;
  if (typeof error === 'object' && error !== null) {
    const e = error as { code?: unknown; message?: unknown };
    if (typeof e.message === 'string')
      return typeof e.code === 'string' ? `${e.code}: ${e.message}` : e.message;
  }
  return String(error);
}

/** An error box (role alert): code and message verbatim, in `<pre>`. */
export function ErrorBox(props: { readonly error: unknown; readonly title?: string }) {
  return (
    <div class="error-box" role="alert">
      {props.title !== undefined && <strong>{props.title}</strong>}
      <pre>{errorText(props.error)}</pre>
    </div>
  );
}

export function Loading(props: { readonly what?: string }) {
  return (
    <p class="muted" role="status">
      Loading{props.what === undefined ? '' : ` ${props.what}`}…
    </p>
  );
}

export type Async<T> =
  | { readonly state: 'loading' }
  | { readonly state: 'done'; readonly data: T }
  | { readonly state: 'error'; readonly error: unknown };

/**
 * Runs `load` when `deps` change (and again `refreshMs` after each load, when given); the
 * latest result. Data shown stays until new data or an error replaces it: give the component a
 * `key` when its subject changes.
 */
export function useAsync<T>(
  load: () => Promise<T>,
  deps: readonly unknown[],
  refreshMs?: number,
): Async<T> {
  const [result, setResult] = useState<Async<T>>({ state: 'loading' });
  useEffect(() => {
    let live = true;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const run = (): void => {
      load()
        .then(
          (data) => live && setResult({ state: 'done', data }),
          (error: unknown) => live && setResult({ state: 'error', error }),
        )
        .finally(() => {
          if (live && refreshMs !== undefined) timer = setTimeout(run, refreshMs);
        });
    };
    // a reload for new deps keeps the last data shown until it is replaced (no flicker)
    setResult((r) => (r.state === 'done' ? r : { state: 'loading' }));
    run();
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, deps);
  return result;
}

/** A definition list of label → value (values '' or undefined left out). */
export function Facts(props: {
  readonly items: readonly (readonly [string, ComponentChildren])[];
}) {
  return (
    <dl class="facts">
      {props.items
        .filter(([, v]) => v !== undefined && v !== '')
        .map(([k, v]) => (
          <div key={k}>
            <dt>{k}</dt>
            <dd>{v}</dd>
          </div>
        ))}
    </dl>
  );
}

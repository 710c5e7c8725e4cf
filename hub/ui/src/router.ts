/**
 * The UI's routes over the History API (base `/ui`): the current path and query as a hook,
 * `navigate` (pushState), `setQuery` (replaceState: filters change the address without adding
 * history entries) and `Link`, an anchor that navigates in the page on a plain click.
 */
import { createElement, type ComponentChildren } from 'preact';
import { useEffect, useState } from 'preact/hooks';

export interface Location {
  readonly path: string;
  readonly query: URLSearchParams;
}

const listeners = new Set<() => void>();
let current: { readonly href: string; readonly loc: Location } | undefined;

function read(): Location {
  const href = `${window.location.pathname}${window.location.search}`;
  if (current?.href !== href) {
    current = {
      href,
      loc: { path: window.location.pathname, query: new URLSearchParams(window.location.search) },
    };
  }
  return current.loc;
}

function notify(): void {
  for (const l of [...listeners]) l();
}

window.addEventListener('popstate', notify);

/**
 * Goes to `to` (a path under /ui, with its query) in the page; `replace` takes the place of the
 * current history entry (a redirect).
 */
export function navigate(to: string, opts: { readonly replace?: boolean } = {}): void {
  if (to === `${window.location.pathname}${window.location.search}`) return;
  if (opts.replace === true) window.history.replaceState(null, '', to);
  else window.history.pushState(null, '', to);
  window.scrollTo(0, 0);
  notify();
}

/** Changes query parameters of the current address (undefined or '': removed), in place. */
export function setQuery(patch: Record<string, string | undefined>): void {
  const q = new URLSearchParams(window.location.search);
  for (const [k, v] of Object.entries(patch)) {
    if (v === undefined || v === '') q.delete(k);
    else q.set(k, v);
  }
  const s = q.toString();
  window.history.replaceState(null, '', `${window.location.pathname}${s === '' ? '' : `?${s}`}`);
  notify();
}

/** The current path and query; re-renders on every change. */
export function useLocation(): Location {
  const [loc, setLoc] = useState(read);
  useEffect(() => {
    const l = (): void => setLoc(read());
    listeners.add(l);
    l();
    return () => {
      listeners.delete(l);
    };
  }, []);
  return loc;
}

/** The path of a page with its query (`?…` only when it has one). */
export function withQuery(path: string, query: Record<string, string | undefined>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== '') q.set(k, v);
  const s = q.toString();
  return s === '' ? path : `${path}?${s}`;
}

export interface LinkProps {
  readonly href: string;
  readonly children?: ComponentChildren;
  readonly class?: string;
  readonly 'aria-label'?: string;
  readonly tabIndex?: number;
  readonly 'aria-current'?: 'page';
}

/** An anchor to a page of the UI; a plain left click navigates in the page. */
export function Link(props: LinkProps) {
  const onClick = (e: MouseEvent): void => {
    if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey)
      return;
    e.preventDefault();
    navigate(props.href);
  };
  return createElement('a', { ...props, onClick }, props.children);
}

/**
 * Who is signed in: the API token (kept in this tab's sessionStorage only — never localStorage,
 * never a cookie) with the name and scope the hub gives it (`GET /api/v1/whoami`). A hub without
 * that route: the token is taken with scope `read` and the name `token`.
 */
import { useEffect, useState } from 'preact/hooks';

export type Scope = 'read' | 'operate' | 'admin';

export interface Session {
  readonly token: string;
  readonly name: string;
  readonly scope: Scope;
}

const KEY = 'gitfleet-session';
const listeners = new Set<() => void>();

function isScope(s: unknown): s is Scope {
  return s === 'read' || s === 'operate' || s === 'admin';
}

function load(): Session | undefined {
  try {
    const raw = sessionStorage.getItem(KEY);
    if (raw === null) return undefined;
    const v = JSON.parse(raw) as Partial<Session>;
    if (typeof v.token !== 'string' || typeof v.name !== 'string' || !isScope(v.scope))
      return undefined;
    return { token: v.token, name: v.name, scope: v.scope };
  } catch {
    return undefined;
  }
}

let current: Session | undefined = load();

function set(s: Session | undefined): void {
  current = s;
  if (s === undefined) sessionStorage.removeItem(KEY);
  else sessionStorage.setItem(KEY, JSON.stringify(s));
  for (const l of [...listeners]) l();
}

/** The session of this tab, if signed in (outside components). */
export function currentSession(): Session | undefined {
  return current;
}

/** Calls `l` whenever the session changes; returns the unsubscribe. */
export function onSessionChange(l: () => void): () => void {
  listeners.add(l);
  return () => {
    listeners.delete(l);
  };
}

/** The session; re-renders on sign-in and sign-out. */
export function useSession(): Session | undefined {
  const [s, setS] = useState(current);
  useEffect(() => {
    const l = (): void => setS(current);
    l();
    return onSessionChange(l);
  }, []);
  return s;
}

/** Whether the session may send commands (scope operate or admin). */
export function canOperate(s?: Session): boolean {
  return s?.scope === 'operate' || s?.scope === 'admin';
}

/** Why a sign-in failed, for the sign-in page. */
export class SignInError extends Error {
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.status = status;
  }
}

/**
 * Signs in with `token` ('' asks a hub that needs none): asks the hub who it is. Refused (401,
 * 403) or unreachable: throws {@link SignInError} saying why; nothing is kept.
 */
export async function signIn(token: string): Promise<void> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (token !== '') headers['authorization'] = `Bearer ${token}`;
  let res: Response;
  try {
    res = await fetch('/api/v1/whoami', { headers });
  } catch (err) {
    throw new SignInError(0, `the hub cannot be reached (${(err as Error).message})`);
  }
  if (res.status === 404) {
    // a hub without whoami: the token is checked by a read the UI needs anyway
    const check = await fetch('/api/v1/fleet', { headers });
    if (!check.ok) throw new SignInError(check.status, await problem(check));
    set({ token, name: 'token', scope: 'read' });
    return;
  }
  if (!res.ok) throw new SignInError(res.status, await problem(res));
  const who = (await res.json()) as { name?: unknown; scope?: unknown };
  set({
    token,
    name: typeof who.name === 'string' ? who.name : 'token',
    scope: isScope(who.scope) ? who.scope : 'read',
  });
}

async function problem(res: Response): Promise<string> {
  let message = '';
  try {
    const body = (await res.json()) as { error?: { code?: string; message?: string } };
    message = [body.error?.code, body.error?.message].filter((s) => s !== undefined).join(': ');
  } catch {
    // not JSON: the status says it
  }
  if (res.status === 401)
    return `the hub refused the token${message === '' ? '' : ` (${message})`}`;
  return `HTTP ${String(res.status)}${message === '' ? '' : `: ${message}`}`;
}

/**
 * Asks the hub again who the session's token is (a page load: the scope may have changed since
 * sign-in). A token the hub refuses now (401) signs out; any other failure keeps the session.
 */
export async function refreshSession(): Promise<void> {
  const s = current;
  if (s === undefined) return;
  const headers: Record<string, string> = { accept: 'application/json' };
  if (s.token !== '') headers['authorization'] = `Bearer ${s.token}`;
  try {
    const res = await fetch('/api/v1/whoami', { headers });
    if (current !== s) return;
    if (res.status === 401) {
      set(undefined);
      return;
    }
    if (!res.ok) return;
    const who = (await res.json()) as { name?: unknown; scope?: unknown };
    if (current !== s) return;
    const name = typeof who.name === 'string' ? who.name : s.name;
    const scope = isScope(who.scope) ? who.scope : s.scope;
    if (name !== s.name || scope !== s.scope) set({ token: s.token, name, scope });
  } catch {
    // unreachable for now: the session stays
  }
}

/** Forgets the token. */
export function signOut(): void {
  set(undefined);
}

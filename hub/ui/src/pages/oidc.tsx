/**
 * The OIDC sign-in of the web UI (../oidc.ts): the button of the sign-in page, shown when the hub
 * has a browser client (`GET /api/v1/auth/config`), and the callback page at
 * /ui/signin/callback that finishes the sign-in and signs in with the ID token.
 */
import { useEffect, useState } from 'preact/hooks';
import { Link, navigate } from '../router.ts';
import { signIn } from '../session.ts';
import { Page } from '../components.tsx';
import {
  fetchAuthConfig,
  finishOidcSignIn,
  signInProblem,
  startOidcSignIn,
  type OidcConfig,
} from '../oidc.ts';
import { issuerLabel, safeNext } from '../oidc-params.ts';

type ButtonState =
  | { readonly kind: 'loading' }
  | { readonly kind: 'none' }
  | { readonly kind: 'ready'; readonly config: OidcConfig }
  | { readonly kind: 'error'; readonly message: string };

/**
 * "Sign in with <issuer host>" when the hub has an OIDC browser client, nothing otherwise. The
 * wrapper's `data-state` (loading, none, ready, error) tells tests when the options are known.
 */
export function OidcSignInButton(props: { readonly next?: string }) {
  const [state, setState] = useState<ButtonState>({ kind: 'loading' });
  const [busy, setBusy] = useState(false);
  const [failed, setFailed] = useState<string | undefined>();
  useEffect(() => {
    let live = true;
    fetchAuthConfig().then(
      (c) =>
        live &&
        setState(c.oidc === undefined ? { kind: 'none' } : { kind: 'ready', config: c.oidc }),
      (err: unknown) => live && setState({ kind: 'error', message: signInProblem(err) }),
    );
    return () => {
      live = false;
    };
  }, []);
  const start = (config: OidcConfig): void => {
    setBusy(true);
    setFailed(undefined);
    startOidcSignIn(config, safeNext(props.next)).catch((err: unknown) => {
      setBusy(false);
      setFailed(signInProblem(err));
    });
  };
  return (
    <div class="oidc-signin" data-testid="oidc-signin" data-state={state.kind}>
      {state.kind === 'ready' && (
        <button type="button" disabled={busy} onClick={() => start(state.config)}>
          Sign in with {issuerLabel(state.config.issuer)}
        </button>
      )}
      {state.kind === 'error' && <p role="alert">Sign-in options unavailable: {state.message}</p>}
      {failed !== undefined && <p role="alert">Sign-in failed: {failed}</p>}
    </div>
  );
}

/** Only one finish per page load (the pending sign-in is gone after the first). */
let finishing: Promise<{ readonly idToken: string; readonly next: string }> | undefined;

/** `/ui/signin/callback`: finishes the sign-in, then goes where it started. */
export function OidcCallbackPage() {
  const [failed, setFailed] = useState<string | undefined>();
  useEffect(() => {
    finishing ??= finishOidcSignIn();
    finishing
      .then(async ({ idToken, next }) => {
        await signIn(idToken);
        navigate(next, { replace: true });
      })
      .catch((err: unknown) => setFailed(signInProblem(err)));
  }, []);
  return (
    <Page title="Signing in">
      {failed === undefined ? (
        <p role="status">Signing in…</p>
      ) : (
        <>
          <p role="alert">Sign-in failed: {failed}</p>
          <Link href="/ui/signin">Back to sign-in</Link>
        </>
      )}
    </Page>
  );
}

/**
 * `/ui/signin`: the API token form (and the OIDC button when the hub has a browser client). A
 * hub that asks no token signs in at once. Signed in, the page goes to `next` (a path under /ui).
 */
import { useEffect, useState } from 'preact/hooks';
import { Page } from '../components.tsx';
import { safeNext } from '../oidc-params.ts';
import { navigate, useLocation } from '../router.ts';
import { SignInError, signIn, useSession } from '../session.ts';
import { OidcSignInButton } from './oidc.tsx';

export function SignInPage() {
  const { query } = useLocation();
  const next = safeNext(query.get('next'));
  const session = useSession();
  const [token, setToken] = useState('');
  const [error, setError] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    if (session !== undefined) navigate(next, { replace: true });
  }, [session, next]);

  // a hub that asks no token: whoami answers without one
  useEffect(() => {
    signIn('').catch(() => undefined);
  }, []);

  const submit = (e: Event): void => {
    e.preventDefault();
    const t = token.trim();
    if (t === '') {
      setError('Paste an API token first.');
      return;
    }
    setBusy(true);
    setError(undefined);
    signIn(t).then(
      () => setBusy(false),
      (err: unknown) => {
        setBusy(false);
        setError(err instanceof SignInError || err instanceof Error ? err.message : String(err));
      },
    );
  };

  return (
    <Page title="Sign in">
      <form class="signin" onSubmit={submit}>
        <p>
          Sign in with an API token of this hub (the tokens file, or an OIDC token). It is kept in
          this tab only and forgotten when the tab closes.
        </p>
        <label for="token">API token</label>
        <input
          id="token"
          type="password"
          aria-label="API token"
          autocomplete="off"
          spellcheck={false}
          value={token}
          onInput={(e) => setToken(e.currentTarget.value)}
        />
        <button type="submit" disabled={busy}>
          Sign in
        </button>
        {error !== undefined && (
          <p class="field-error" role="alert">
            {error}
          </p>
        )}
      </form>
      <OidcSignInButton next={next} />
    </Page>
  );
}

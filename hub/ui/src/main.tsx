/**
 * The web UI's shell: the header (navigation, the live stream's state, who is signed in, sign
 * out, the theme toggle) and the routes of docs/ui.md. Every page but sign-in needs a session:
 * without one the sign-in page opens and returns to the page asked for.
 */
import { render } from 'preact';
import { useEffect } from 'preact/hooks';
import { Page } from './components.tsx';
import { CALLBACK_PATH } from './oidc-params.ts';
import { useLiveState } from './live.ts';
import { Link, navigate, useLocation } from './router.ts';
import { refreshSession, signOut, useSession } from './session.ts';
import { applyStoredTheme, toggleTheme } from './theme.ts';
import { AppPage } from './pages/app.tsx';
import { DriftPage } from './pages/drift.tsx';
import { FleetGrid } from './pages/grid.tsx';
import { OidcCallbackPage } from './pages/oidc.tsx';
import { PinsPage } from './pages/pins.tsx';
import { RowPage } from './pages/row.tsx';
import { RolloutPage, RolloutsPage } from './pages/rollouts.tsx';
import { SignInPage } from './pages/signin.tsx';
import { TargetPage } from './pages/target.tsx';

applyStoredTheme();
void refreshSession();

const NAV = [
  [
    'Fleet',
    '/ui/',
    (p: string) => p === '/ui/' || p.startsWith('/ui/targets/') || p.startsWith('/ui/apps/'),
  ],
  ['Drift', '/ui/drift', (p: string) => p.startsWith('/ui/drift')],
  ['Rollouts', '/ui/rollouts', (p: string) => p.startsWith('/ui/rollouts')],
  ['Pins', '/ui/pins', (p: string) => p.startsWith('/ui/pins')],
] as const;

const LIVE_TEXT = { open: 'Live', connecting: 'Connecting…', closed: 'Not live' } as const;

function Header(props: { readonly path: string }) {
  const session = useSession();
  const live = useLiveState();
  return (
    <header class="top">
      <a class="skip" href="#main">
        Skip to content
      </a>
      <span class="brand">gitfleet</span>
      {session !== undefined && (
        <nav aria-label="Main">
          {NAV.map(([name, href, active]) => (
            <Link
              key={href}
              href={href}
              {...(active(props.path) ? { 'aria-current': 'page' } : {})}
            >
              {name}
            </Link>
          ))}
        </nav>
      )}
      <span class="spacer" />
      {session !== undefined && (
        <>
          <span
            class={`live live-${live}`}
            data-testid="live"
            data-state={live}
            title="The fleet's live event stream"
          >
            <span class="dot" aria-hidden="true" />
            {LIVE_TEXT[live]}
          </span>
          <span class="identity" data-testid="identity">
            {session.name} · {session.scope}
          </span>
          <button type="button" class="quiet" onClick={() => signOut()}>
            Sign out
          </button>
        </>
      )}
      <button
        type="button"
        class="quiet theme"
        aria-label="Toggle dark mode"
        onClick={() => toggleTheme()}
      >
        <span aria-hidden="true">◐</span>
      </button>
    </header>
  );
}

/** The path's segments after `/ui/`, decoded. */
function segments(path: string): string[] {
  return path
    .replace(/^\/ui\/?/, '')
    .split('/')
    .filter((s) => s !== '')
    .map((s) => {
      try {
        return decodeURIComponent(s);
      } catch {
        return s;
      }
    });
}

function NotFound(props: { readonly path: string }) {
  return (
    <Page title="Not found">
      <p>
        There is no page at <code>{props.path}</code>. <Link href="/ui/">Back to the fleet</Link>
      </p>
    </Page>
  );
}

function Route(props: { readonly path: string }) {
  const s = segments(props.path);
  const [first, second, third] = s;
  switch (first) {
    case undefined:
      return <FleetGrid />;
    case 'targets':
      if (second !== undefined && s.length === 2)
        return <TargetPage key={second} target={second} />;
      break;
    case 'apps':
      if (second !== undefined && s.length === 2) return <AppPage key={second} app={second} />;
      if (second !== undefined && third !== undefined && s.length === 3)
        return <RowPage key={`${second}/${third}`} app={second} target={third} />;
      break;
    case 'drift':
      if (s.length === 1) return <DriftPage />;
      break;
    case 'rollouts':
      if (s.length === 1) return <RolloutsPage />;
      if (second !== undefined && s.length === 2) return <RolloutPage key={second} app={second} />;
      break;
    case 'pins':
      if (s.length === 1) return <PinsPage />;
      break;
  }
  return <NotFound path={props.path} />;
}

function App() {
  const { path, query } = useLocation();
  const session = useSession();
  const signingIn = path === '/ui/signin' || path.startsWith('/ui/signin/');
  const here = `${path}${query.size > 0 ? `?${query.toString()}` : ''}`;
  useEffect(() => {
    if (session === undefined && !signingIn)
      navigate(`/ui/signin?next=${encodeURIComponent(here)}`, { replace: true });
  }, [session, signingIn, here]);
  return (
    <>
      <Header path={path} />
      {signingIn ? (
        path === CALLBACK_PATH ? (
          <OidcCallbackPage />
        ) : (
          <SignInPage />
        )
      ) : session === undefined ? null : (
        <Route path={path} />
      )}
    </>
  );
}

const root = document.getElementById('app');
if (root !== null) render(<App />, root);

import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { ApiError, api, session } from './api';
import { DestinationsPage } from './pages/destinations';
import { NotificationPage } from './pages/notification';
import { NotificationsPage } from './pages/notifications';
import { OverviewPage } from './pages/overview';
import { RecoverPage, RecoveryPage } from './pages/recover';
import { link, type Route, useRoute } from './router';
import { ErrorNotice, useTitle } from './ui';

type Access = { state: 'checking' } | { state: 'signed-out'; refused: boolean } | { state: 'in'; withKey: boolean };

/**
 * Nothing is shown until the API has answered: with API keys configured, a first call without a key
 * is refused (401) and the console asks for one. A 401 later (the key revoked) asks again.
 */
function useAccess(): [Access, (key: string) => Promise<void>, () => void] {
  const [access, setAccess] = useState<Access>({ state: 'checking' });
  const check = async (): Promise<void> => {
    const withKey = session.key() !== '';
    try {
      await api.checkAccess();
      setAccess({ state: 'in', withKey });
    } catch (error) {
      if (!(error instanceof ApiError && error.status === 401)) throw error;
      session.signOut();
      setAccess({ state: 'signed-out', refused: withKey });
    }
  };
  useEffect(() => {
    check().catch(() => setAccess({ state: 'in', withKey: session.key() !== '' }));
    return session.onUnauthorized(() => {
      if (session.key() === '') return;
      session.signOut();
      setAccess({ state: 'signed-out', refused: true });
    });
  }, []);
  const signIn = async (key: string) => {
    session.signIn(key);
    await check();
  };
  const signOut = () => {
    session.signOut();
    setAccess({ state: 'signed-out', refused: false });
  };
  return [access, signIn, signOut];
}

function SignIn({ refused, onSignIn }: { refused: boolean; onSignIn: (key: string) => Promise<void> }) {
  useTitle('Sign in');
  const [key, setKey] = useState('');
  const [error, setError] = useState<Error>();
  return (
    <main id="main" class="sign-in">
      <h1>Herald console</h1>
      <form
        onSubmit={(event) => {
          event.preventDefault();
          setError(undefined);
          onSignIn(key.trim()).catch((caught: Error) => setError(caught));
        }}
      >
        <p>This Herald needs an API key. It is kept in this tab only (sessionStorage) and sent with each API call.</p>
        {refused && (
          <p class="notice error" role="alert">
            That key was refused.
          </p>
        )}
        <div class="field">
          <label for="api-key">API key</label>
          <input
            id="api-key"
            type="password"
            autocomplete="off"
            required
            value={key}
            onInput={(event) => setKey(event.currentTarget.value)}
          />
        </div>
        <button type="submit">Sign in</button>
        <ErrorNotice error={error} />
      </form>
    </main>
  );
}

const NAV: { href: string; label: string; pages: Route['page'][] }[] = [
  { href: link(), label: 'Overview', pages: ['overview'] },
  { href: link('notifications'), label: 'Notifications', pages: ['notifications', 'notification'] },
  { href: link('recover'), label: 'Recover', pages: ['recover', 'recovery'] },
  { href: link('destinations'), label: 'Destinations', pages: ['destinations'] },
];

function Page({ route }: { route: Route }) {
  switch (route.page) {
    case 'overview':
      return <OverviewPage />;
    case 'notifications':
      return <NotificationsPage params={route.params} />;
    case 'notification':
      return <NotificationPage key={route.id} id={route.id} />;
    case 'recover':
      return <RecoverPage params={route.params} />;
    case 'recovery':
      return <RecoveryPage key={route.id} id={route.id} />;
    case 'destinations':
      return <DestinationsPage />;
    default:
      return (
        <>
          <h1>Not found</h1>
          <p>
            There is no page at <span class="mono">{route.path}</span>. <a href={link()}>Overview</a>
          </p>
        </>
      );
  }
}

function App() {
  const [access, signIn, signOut] = useAccess();
  const route = useRoute();
  if (access.state === 'checking') return <p class="checking">Checking access…</p>;
  if (access.state === 'signed-out') return <SignIn refused={access.refused} onSignIn={signIn} />;
  return (
    <>
      <button type="button" class="skip" onClick={() => document.getElementById('main')?.focus()}>
        Skip to content
      </button>
      <header class="top">
        <span class="brand">Herald</span>
        <nav aria-label="Console">
          <ul>
            {NAV.map((item) => (
              <li key={item.href}>
                <a href={item.href} aria-current={item.pages.includes(route.page) ? 'page' : undefined}>
                  {item.label}
                </a>
              </li>
            ))}
          </ul>
        </nav>
        {access.withKey && (
          <button type="button" class="sign-out" onClick={signOut}>
            Sign out
          </button>
        )}
      </header>
      <main id="main" tabIndex={-1}>
        <Page route={route} />
      </main>
    </>
  );
}

const root = document.getElementById('app');
if (root) render(<App />, root);

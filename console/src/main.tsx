import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { ApiError, api, type Caller, session } from './api';
import { CallerContext } from './caller';
import { DestinationsPage } from './pages/destinations';
import { NotificationPage } from './pages/notification';
import { NotificationsPage } from './pages/notifications';
import { OverviewPage } from './pages/overview';
import { RecoverPage, RecoveryPage } from './pages/recover';
import { link, navigate, type Route, useRoute } from './router';
import { ErrorNotice, useTitle } from './ui';

type Access =
  | { state: 'checking' }
  | { state: 'signed-out'; refused: boolean }
  | { state: 'in'; withKey: boolean; caller: Caller };

/**
 * When GET /v1/caller fails for another reason than a 401 (Herald restarting), the console opens as
 * before and offers everything: the API still decides, and a page shows its refusal.
 */
const UNKNOWN_CALLER: Caller = { name: 'default', role: 'operate' };

/**
 * Nothing is shown until the API has answered: with API keys configured, a first call without a key
 * is refused (401) and the console asks for one. A 401 later (the key revoked) asks again.
 */
function useAccess(): [Access, (key: string) => Promise<void>, () => void] {
  const [access, setAccess] = useState<Access>({ state: 'checking' });
  const check = async (): Promise<void> => {
    const withKey = session.key() !== '';
    try {
      const caller = await api.checkAccess();
      setAccess({ state: 'in', withKey, caller });
    } catch (error) {
      if (!(error instanceof ApiError && error.status === 401)) throw error;
      session.signOut();
      setAccess({ state: 'signed-out', refused: withKey });
    }
  };
  useEffect(() => {
    check().catch(() => setAccess({ state: 'in', withKey: session.key() !== '', caller: UNKNOWN_CALLER }));
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

/** The pages, each shown to the roles that may read it. */
const NAV: { href: string; label: string; pages: Route['page'][]; roles: Caller['role'][] }[] = [
  { href: link(), label: 'Overview', pages: ['overview'], roles: ['read', 'operate'] },
  {
    href: link('notifications'),
    label: 'Notifications',
    pages: ['notifications', 'notification'],
    roles: ['read', 'operate'],
  },
  { href: link('recover'), label: 'Recover', pages: ['recover', 'recovery'], roles: ['operate'] },
  { href: link('destinations'), label: 'Destinations', pages: ['destinations'], roles: ['read', 'operate'] },
];

/** A send key reads only its own notifications, one at a time: it opens one by id. */
function SendOnly({ caller }: { caller: Caller }) {
  useTitle('Find a notification');
  const [id, setId] = useState('');
  return (
    <>
      <h1>Find a notification</h1>
      <p>
        This key sends as <span class="mono">{caller.name}</span> with the role <b>send</b>: it may look up, retry and
        cancel the notifications it sent, one by one.
      </p>
      <form
        onSubmit={(event) => {
          event.preventDefault();
          if (id.trim() !== '') navigate(link('notifications', id.trim()));
        }}
      >
        <div class="field">
          <label for="notification-id">Notification id</label>
          <input id="notification-id" class="mono" value={id} onInput={(event) => setId(event.currentTarget.value)} />
        </div>
        <button type="submit">Open</button>
      </form>
    </>
  );
}

function Page({ route, caller }: { route: Route; caller: Caller }) {
  if (caller.role === 'send' && route.page !== 'notification') return <SendOnly caller={caller} />;
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
  const pages = NAV.filter((item) => item.roles.includes(access.caller.role));
  return (
    <>
      <button type="button" class="skip" onClick={() => document.getElementById('main')?.focus()}>
        Skip to content
      </button>
      <header class="top">
        <span class="brand">Herald</span>
        {pages.length > 0 && (
          <nav aria-label="Console">
            <ul>
              {pages.map((item) => (
                <li key={item.href}>
                  <a href={item.href} aria-current={item.pages.includes(route.page) ? 'page' : undefined}>
                    {item.label}
                  </a>
                </li>
              ))}
            </ul>
          </nav>
        )}
        <span class="caller" title="The caller this key names, and its role">
          <span class="mono">{access.caller.name}</span> · {access.caller.role}
        </span>
        {access.withKey && (
          <button type="button" class="sign-out" onClick={signOut}>
            Sign out
          </button>
        )}
      </header>
      <main id="main" tabIndex={-1}>
        <CallerContext.Provider value={access.caller}>
          <Page route={route} caller={access.caller} />
        </CallerContext.Provider>
      </main>
    </>
  );
}

const root = document.getElementById('app');
if (root) render(<App />, root);

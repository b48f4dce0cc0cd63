/**
 * The operators' console: a single-page app on the API's own routes (docs/API.md
 * "Operations", "Reports", "Events"). Hash routes, so it is served as static files
 * (S3 and CloudFront on AWS, the local stack's /console/ locally).
 */
import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { completeCognitoSignIn, loadConfig, signedIn, signInLocally, signInWithCognito, signOut, type ConsoleConfig } from './auth.js';
import { html } from './ui.js';
import { Today } from './pages/today.js';
import { Orders } from './pages/orders.js';
import { Order } from './pages/order.js';
import { DeadLetters, Returns, Stuck } from './pages/queues.js';
import { Stock, Webhooks } from './pages/catalog.js';

const PAGES: { path: string; title: string }[] = [
  { path: '#/today', title: 'Today' },
  { path: '#/orders', title: 'Orders' },
  { path: '#/stuck', title: 'Stuck orders' },
  { path: '#/returns', title: 'Returns' },
  { path: '#/dead-letters', title: 'Dead letters' },
  { path: '#/stock', title: 'Stock' },
  { path: '#/webhooks', title: 'Webhooks' },
];

function useHash(): string {
  const [hash, setHash] = useState(location.hash || '#/today');
  useEffect(() => {
    const changed = () => setHash(location.hash || '#/today');
    addEventListener('hashchange', changed);
    return () => removeEventListener('hashchange', changed);
  }, []);
  return hash;
}

function Page({ hash }: { hash: string }) {
  const order = /^#\/orders\/(ord_[0-9A-Z]{26})$/.exec(hash);
  if (order) return html`<${Order} orderId=${order[1]} />`;
  switch (hash) {
    case '#/orders':
      return html`<${Orders} />`;
    case '#/stuck':
      return html`<${Stuck} />`;
    case '#/returns':
      return html`<${Returns} />`;
    case '#/dead-letters':
      return html`<${DeadLetters} />`;
    case '#/stock':
      return html`<${Stock} />`;
    case '#/webhooks':
      return html`<${Webhooks} />`;
    default:
      return html`<${Today} />`;
  }
}

function SignIn({ config, done }: { config: ConsoleConfig; done: () => void }) {
  const [error, setError] = useState<string | null>(null);
  const local = () => signInLocally().then(done, (e: Error) => setError(e.message));
  return html`<main id="main" class="sign-in">
    <h1>Orders console</h1>
    ${config.mode === 'local'
      ? html`<p>This is the local stack: sign in with the local issuer.</p><button type="button" onClick=${local}>Sign in as local operator</button>`
      : html`<button type="button" onClick=${() => signInWithCognito()}>Sign in</button>`}
    ${error ? html`<p role="alert" class="error">${error}</p>` : null}
  </main>`;
}

/** The skip link moves focus to the content; the hash stays the page's route. */
function skipToContent(event: Event) {
  event.preventDefault();
  document.getElementById('main')?.focus();
}

function App({ config }: { config: ConsoleConfig }) {
  const [user, setUser] = useState(signedIn());
  const hash = useHash();
  if (!user) return html`<${SignIn} config=${config} done=${() => setUser(signedIn())} />`;
  if (!user.groups.includes('ops')) return html`<main id="main"><p role="alert">${user.sub} is not an operator (group ops).</p></main>`;
  const current = PAGES.find((p) => hash.startsWith(p.path))?.path;
  return html`<div>
    <a class="skip" href="#main" onClick=${skipToContent}>Skip to content</a>
    <header>
      <nav aria-label="Console">
        <ul>${PAGES.map((p) => html`<li><a href=${p.path} aria-current=${p.path === current ? 'page' : undefined}>${p.title}</a></li>`)}</ul>
      </nav>
      <span class="user">${user.sub} <button type="button" onClick=${() => (signOut(), setUser(null))}>Sign out</button></span>
    </header>
    <main id="main" tabindex="-1"><${Page} hash=${hash} /></main>
  </div>`;
}

async function start() {
  const config = await loadConfig();
  await completeCognitoSignIn();
  render(html`<${App} config=${config} />`, document.getElementById('app')!);
}

void start();

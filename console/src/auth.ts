/**
 * Signing in. On AWS: Cognito's Hosted UI, authorization code with PKCE (no client
 * secret in a browser, no implicit flow); the ID token carries the `ops` group. Locally:
 * the local issuer (`POST /local/token`), behind a visible "local operator" button.
 * The token lives in sessionStorage: gone when the tab closes.
 */
export interface ConsoleConfig {
  mode: 'local' | 'cognito';
  /** The API's base URL ('' when the console is served by the API's host). */
  apiUrl: string;
  cognito?: { domain: string; clientId: string; redirectUri: string };
}

let config: ConsoleConfig = { mode: 'local', apiUrl: '' };
const TOKEN = 'orders-console-token';

export async function loadConfig(): Promise<ConsoleConfig> {
  config = (await (await fetch('config.json')).json()) as ConsoleConfig;
  return config;
}

export const session = () => ({ apiUrl: config.apiUrl, token: sessionStorage.getItem(TOKEN) });

/** The signed-in operator's `sub` and groups, from the token's payload (the API verifies it; this only shows it). */
export function signedIn(): { sub: string; groups: string[] } | null {
  const token = sessionStorage.getItem(TOKEN);
  if (!token) return null;
  try {
    const claims = JSON.parse(atob(token.split('.')[1]!.replace(/-/g, '+').replace(/_/g, '/'))) as { sub: string; exp: number; 'cognito:groups'?: string[] };
    if (claims.exp * 1000 < Date.now()) return null;
    return { sub: claims.sub, groups: claims['cognito:groups'] ?? [] };
  } catch {
    return null;
  }
}

export function signOut(): void {
  sessionStorage.removeItem(TOKEN);
}

export async function signInLocally(): Promise<void> {
  const response = await fetch(`${config.apiUrl}/local/token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ sub: 'local-operator', groups: ['ops'] }) });
  if (!response.ok) throw new Error('The local issuer refused');
  sessionStorage.setItem(TOKEN, ((await response.json()) as { token: string }).token);
}

const base64url = (bytes: ArrayBuffer | Uint8Array) => btoa(String.fromCharCode(...new Uint8Array(bytes))).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');

/** To Cognito's Hosted UI, with a PKCE challenge and a state to check on the way back. */
export async function signInWithCognito(): Promise<void> {
  const cognito = config.cognito!;
  const verifier = base64url(crypto.getRandomValues(new Uint8Array(32)));
  const state = base64url(crypto.getRandomValues(new Uint8Array(16)));
  sessionStorage.setItem('pkce', JSON.stringify({ verifier, state }));
  const challenge = base64url(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier)));
  const query = new URLSearchParams({ response_type: 'code', client_id: cognito.clientId, redirect_uri: cognito.redirectUri, scope: 'openid email', code_challenge_method: 'S256', code_challenge: challenge, state });
  location.assign(`${cognito.domain}/oauth2/authorize?${query}`);
}

/** Back from the Hosted UI: the code exchanged for tokens (with the verifier), the URL cleaned. */
export async function completeCognitoSignIn(): Promise<void> {
  const params = new URLSearchParams(location.search);
  const code = params.get('code');
  if (!code || config.mode !== 'cognito') return;
  const saved = JSON.parse(sessionStorage.getItem('pkce') ?? '{}') as { verifier?: string; state?: string };
  sessionStorage.removeItem('pkce');
  if (!saved.verifier || saved.state !== params.get('state')) throw new Error('The sign-in did not come back from the sign-in this console started');
  const cognito = config.cognito!;
  const response = await fetch(`${cognito.domain}/oauth2/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'authorization_code', client_id: cognito.clientId, code, redirect_uri: cognito.redirectUri, code_verifier: saved.verifier }),
  });
  if (!response.ok) throw new Error('Cognito refused the sign-in code');
  sessionStorage.setItem(TOKEN, ((await response.json()) as { id_token: string }).id_token);
  history.replaceState(null, '', location.pathname + location.hash);
}

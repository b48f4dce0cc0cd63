/** The API, called with the operator's token. Errors are API.md's problem+json, shown as they are. */
import { session } from './auth.js';

export class ApiError extends Error {
  constructor(readonly status: number, readonly code: string, message: string) {
    super(message);
  }
}

export async function api<T = any>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<T> {
  const { apiUrl, token } = session();
  const response = await fetch(`${apiUrl}${path}`, {
    method,
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
    body: body !== undefined ? JSON.stringify(body) : undefined,
  });
  const text = await response.text();
  const parsed = text && (response.headers.get('content-type') ?? '').includes('json') ? JSON.parse(text) : text;
  if (!response.ok) {
    const problem = (parsed && typeof parsed === 'object' ? parsed : {}) as { code?: string; detail?: string; message?: string };
    throw new ApiError(response.status, problem.code ?? String(response.status), problem.detail ?? problem.message ?? response.statusText);
  }
  return parsed as T;
}

/** A CSV download with the token (a plain link cannot carry it). */
export async function download(path: string, filename: string): Promise<void> {
  const { apiUrl, token } = session();
  const response = await fetch(`${apiUrl}${path}`, { headers: { authorization: `Bearer ${token}` } });
  if (!response.ok) throw new ApiError(response.status, String(response.status), 'The export failed');
  const url = URL.createObjectURL(await response.blob());
  const link = Object.assign(document.createElement('a'), { href: url, download: filename });
  link.click();
  URL.revokeObjectURL(url);
}

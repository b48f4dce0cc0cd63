/** Shared pieces: htm bound to Preact, loading with errors shown, money, a confirmation dialog. */
import type { ComponentChildren } from 'preact';
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { html } from 'htm/preact';

export { html };

/** Loads once per `deps` change; `reload` loads again (after an action). */
export function useLoad<T>(load: () => Promise<T>, deps: unknown[] = []) {
  const [state, setState] = useState<{ data?: T; error?: string; loading: boolean }>({ loading: true });
  const run = useCallback(() => {
    setState((s) => ({ ...s, loading: true }));
    load().then(
      (data) => setState({ data, loading: false }),
      (error: Error) => setState({ error: error.message, loading: false }),
    );
  }, deps);
  useEffect(run, [run]);
  return { ...state, reload: run };
}

export function Status({ loading, error }: { loading: boolean; error?: string }) {
  if (error) return html`<p role="alert" class="error">${error}</p>`;
  return loading ? html`<p aria-live="polite">Loading…</p>` : null;
}

const ZERO_DECIMALS = ['JPY', 'KRW', 'VND', 'CLP', 'ISK', 'UGX'];
const THREE_DECIMALS = ['KWD', 'BHD', 'JOD', 'OMR', 'TND'];
/** Minor units as money, e.g. 1999 CNY -> "CNY 19.99" (two decimals unless the currency has none). */
export function money(minor: number | null | undefined, currency: string): string {
  if (minor === null || minor === undefined) return '';
  const digits = ZERO_DECIMALS.includes(currency) ? 0 : THREE_DECIMALS.includes(currency) ? 3 : 2;
  return `${currency} ${(minor / 10 ** digits).toFixed(digits)}`;
}

export const time = (iso: string | null | undefined) => (iso ? new Date(iso).toLocaleString() : '');

/**
 * An action behind a confirmation: a native <dialog> (focus moves into it, Escape
 * closes it, screen readers announce it), then the action, then its outcome.
 */
export function ConfirmButton(props: { label: string; question: string; confirm: string; action: () => Promise<unknown>; done?: () => void; children?: ComponentChildren }) {
  const dialog = useRef<HTMLDialogElement>(null);
  const [outcome, setOutcome] = useState<string | null>(null);
  const run = async () => {
    dialog.current?.close();
    try {
      await props.action();
      setOutcome(`${props.label}: done`);
      props.done?.();
    } catch (error) {
      setOutcome(`${props.label} failed: ${(error as Error).message}`);
    }
  };
  return html`<span>
    <button type="button" onClick=${() => dialog.current?.showModal()}>${props.label}</button>
    <dialog ref=${dialog} aria-label=${props.label}>
      <form method="dialog" onSubmit=${(e: Event) => { e.preventDefault(); void run(); }}>
        <p>${props.question}</p>
        ${props.children}
        <menu>
          <button type="button" onClick=${() => dialog.current?.close()}>Cancel</button>
          <button type="submit" class="danger">${props.confirm}</button>
        </menu>
      </form>
    </dialog>
    ${outcome ? html`<span role="status" class="outcome">${outcome}</span>` : null}
  </span>`;
}

/** YYYY-MM-DD of a date shifted by whole days (UTC). */
export const dayOffset = (days: number) => new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);

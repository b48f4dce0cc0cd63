/** Work done on first use and kept for the container's life. */

/** A value built on first use (a schema, a client): a cold start pays only for what it uses. */
export type Lazy<T> = () => T;
export function once<T>(build: () => T): Lazy<T> {
  let built: T | undefined;
  return () => (built ??= build());
}

/**
 * A load (a module, a secret) started on first use and shared by every caller while it
 * runs and after; if it fails, the next call starts it again (a passing fault is not
 * remembered for the container's life).
 */
export function loadOnce<T>(load: () => Promise<T>): () => Promise<T> {
  let loading: Promise<T> | undefined;
  return () => {
    loading ??= load();
    loading.catch(() => (loading = undefined));
    return loading;
  };
}

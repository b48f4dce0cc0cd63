/** A short, growing, jittered pause before a writer that lost a race re-reads and decides again. */
export function backoff(attempt: number): Promise<void> {
  if (attempt === 0) return Promise.resolve();
  return new Promise((resolve) => setTimeout(resolve, Math.random() * 10 * Math.min(2 ** attempt, 32)));
}

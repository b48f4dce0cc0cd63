/**
 * Calls to outside parties (payment providers, carriers): a deadline on every call,
 * and one error type for "no usable answer", which the caller's retry handles.
 */

/** An outside party's answer that is neither success nor a refusal we understand: the caller retries. */
export class ProviderError extends Error {}

/** fetch with a deadline, throwing ProviderError on transport failure. */
export async function providerFetch(url: string, init: RequestInit & { timeoutMs?: number }): Promise<Response> {
  try {
    return await fetch(url, { ...init, signal: AbortSignal.timeout(init.timeoutMs ?? 8000) });
  } catch (error) {
    throw new ProviderError(`${new URL(url).host} could not be reached: ${(error as Error).message}`);
  }
}

/**
 * The logger singleton (Powertools), one per container, and counting. Metrics (in
 * metrics.ts) load with the first thing a function counts: most invocations count
 * nothing, and none pays the metrics library at a cold start.
 */
import { Logger } from '@aws-lambda-powertools/logger';

export const logger = new Logger({ serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'orders' });

/** Adds to a count metric (a CloudWatch metric by EMF), published by `flushMetrics()` at the end of the invocation. */
export async function count(name: string, value = 1): Promise<void> {
  (await import('./metrics.js')).addCount(name, value);
}

let publishStored: (() => void) | undefined;

/** Set by metrics.ts when it loads. */
export function onFlushMetrics(publish: () => void): void {
  publishStored = publish;
}

/** Publishes what this invocation counted, if the function loaded metrics at all (handlers call it at the end of each invocation). */
export function flushMetrics(): void {
  publishStored?.();
}

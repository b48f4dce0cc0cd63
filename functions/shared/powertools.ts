/**
 * The logger singleton (Powertools), one per container. Metrics live in metrics.ts,
 * loaded only by code that counts something; a function that never does so does not
 * load the metrics library at its cold start.
 */
import { Logger } from '@aws-lambda-powertools/logger';

export const logger = new Logger({ serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'orders' });

let publishStored: (() => void) | undefined;

/** Set by metrics.ts when it loads. */
export function onFlushMetrics(publish: () => void): void {
  publishStored = publish;
}

/** Publishes what this invocation counted, if the function loaded metrics at all (handlers call it at the end of each invocation). */
export function flushMetrics(): void {
  publishStored?.();
}

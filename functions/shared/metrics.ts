/** The metrics singleton (Powertools, EMF to the log), one per container; flushed by `flushMetrics()` at the end of each invocation. */
import { Metrics } from '@aws-lambda-powertools/metrics';
import { onFlushMetrics } from './powertools.js';

export const metrics = new Metrics({ namespace: 'Orders', serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'orders' });

onFlushMetrics(() => {
  if (metrics.hasStoredMetrics()) metrics.publishStoredMetrics();
});

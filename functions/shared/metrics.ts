/** The metrics singleton (Powertools, EMF to the log), one per container; loaded by `count()` (powertools.ts) with the first thing counted. */
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { onFlushMetrics } from './powertools.js';

const metrics = new Metrics({ namespace: 'Orders', serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'orders' });

export function addCount(name: string, value: number): void {
  metrics.addMetric(name, MetricUnit.Count, value);
}

onFlushMetrics(() => {
  if (metrics.hasStoredMetrics()) metrics.publishStoredMetrics();
});

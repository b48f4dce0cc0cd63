/** Scheduled (EventBridge on AWS, a timer locally): reconcile stranded orders. */
import { reconcile } from '../services/reconcile.js';
import { metrics } from '../shared/metrics.js';

export const handler = async () => {
  try {
    return await reconcile();
  } finally {
    metrics.publishStoredMetrics();
  }
};

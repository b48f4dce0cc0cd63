/** Scheduled (EventBridge on AWS, a timer locally): reconcile stranded orders. */
import { reconcile } from '../services/reconcile.js';
import { flushMetrics } from '../shared/powertools.js';

export const handler = async () => {
  try {
    return await reconcile();
  } finally {
    flushMetrics();
  }
};

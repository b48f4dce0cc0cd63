/** Scheduled (EventBridge every minute on AWS, a timer locally): complete orders past their delivery or receipt deadline. */
import { completeDueOrders } from '../services/due-orders.js';
import { metrics } from '../shared/powertools.js';

export const handler = async () => {
  try {
    return await completeDueOrders();
  } finally {
    metrics.publishStoredMetrics();
  }
};

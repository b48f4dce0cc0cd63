/** Scheduled (EventBridge every minute on AWS, a timer locally): complete orders past their delivery or receipt deadline. */
import { completeDueOrders } from '../services/due-orders.js';

export const handler = async () => completeDueOrders();

/**
 * Operators' order routes (API.md "Operations"): search and CSV export through the
 * order indexes, an order's timeline, stuck orders, and the operator's cancel (also
 * while PACKED, reason OPS_CANCELLED), and the retry of a failed execution. Every change is in the audit trail (http-handler).
 */
import { DomainError } from '../core/errors.js';
import { csvRow } from '../core/reports.js';
import { getOrder, publicOrder } from '../adapters/orders.js';
import { searchOrders, type OrderSearch } from '../adapters/order-index.js';
import { validation } from './contract.js';
import { httpHandler, json, route } from './http-handler.js';
import { requestCancellation } from '../services/cancel.js';

// Searches read the order indexes; what touches executions (timeline, stuck orders, retry)
// loads the Step Functions client on its first call. A cancel only writes its decision
// (the workflow driver answers the task from the change).
const operations = () => import('../services/operations.js');

/** Without `from`, a search looks 92 days back (the reports' longest range). */
const DEFAULT_DAYS_BACK = 92;

const invalidCursor = () => new DomainError('VALIDATION_ERROR', 'The cursor is invalid', [{ path: 'query.cursor', message: 'not a cursor from this API' }]);

function searchOf(query: { status?: string; customerId?: string; sku?: string; from?: string; to?: string; cursor?: string }, limit: number): OrderSearch {
  const to = new Date(query.to ?? Date.now()).toISOString();
  const from = new Date(query.from ?? Date.parse(to) - DEFAULT_DAYS_BACK * 86_400_000).toISOString();
  if (from > to) throw new DomainError('VALIDATION_ERROR', '`from` is after `to`', [{ path: 'query.from', message: 'must not be after to' }]);
  let after: string | undefined;
  if (query.cursor) {
    after = Buffer.from(query.cursor, 'base64url').toString('utf8');
    if (!/^\d{4}-\d{2}-\d{2}T[\d:.]+Z#ord_[0-9A-Z]{26}$/.test(after)) throw invalidCursor();
  }
  return { status: query.status, customerId: query.customerId, sku: query.sku, from, to, limit, after };
}

const EXPORT_COLUMNS = ['orderId', 'customerId', 'status', 'createdAt', 'currency', 'totalMinor', 'refundedMinor', 'cancellationReason', 'carrier', 'trackingNumber'];

export const handler = httpHandler({
  'GET /ops/orders': route({
    ...validation('GET /ops/orders'),
    async handle({ query }) {
      const { items, after } = await searchOrders(searchOf(query, query.limit));
      return json(200, { items: items.map(publicOrder), nextCursor: after ? Buffer.from(after).toString('base64url') : null });
    },
  }),
  'GET /ops/orders/export.csv': route({
    ...validation('GET /ops/orders/export.csv'),
    async handle({ query }) {
      // Every page of the search, 100 orders at a time (API Gateway answers at most 10 MB: about 60,000 rows).
      let csv = csvRow(EXPORT_COLUMNS);
      let search = searchOf(query, 100);
      for (;;) {
        const { items, after } = await searchOrders(search);
        for (const o of items) {
          csv += csvRow([o.orderId, o.customerId, o.status, o.createdAt, o.currency, o.totalMinor, o.payment?.refundedMinor ?? 0, o.cancellation?.reason ?? null, o.shipment?.carrier ?? null, o.shipment?.trackingNumber ?? null]);
        }
        if (!after) break;
        search = { ...search, after };
      }
      return { status: 200, text: csv, headers: { 'content-type': 'text/csv; charset=utf-8', 'content-disposition': 'attachment; filename="orders.csv"' } };
    },
  }),
  'GET /ops/orders/{orderId}/timeline': route({
    ...validation('GET /ops/orders/{orderId}/timeline'),
    async handle({ params }) {
      const order = await getOrder(params.orderId);
      if (!order) throw new DomainError('NOT_FOUND', `No order ${params.orderId}`);
      return json(200, { items: await (await operations()).orderTimeline(order) });
    },
  }),
  'GET /ops/stuck-orders': route({
    ...validation('GET /ops/stuck-orders'),
    async handle() {
      return json(200, { items: await (await operations()).stuckOrders() });
    },
  }),
  'POST /ops/orders/{orderId}/cancel': route({
    ...validation('POST /ops/orders/{orderId}/cancel'),
    async handle({ params }) {
      const order = await getOrder(params.orderId);
      if (!order) throw new DomainError('NOT_FOUND', `No order ${params.orderId}`);
      return json(202, publicOrder(await requestCancellation(order, 'OPS_CANCELLED')));
    },
  }),
  'POST /ops/orders/{orderId}/retry': route({
    ...validation('POST /ops/orders/{orderId}/retry'),
    async handle({ params }) {
      return json(202, { orderId: params.orderId, action: await (await operations()).retryOrder(params.orderId) });
    },
  }),
});

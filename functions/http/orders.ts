/** Order routes for customers (and `ops`, who may see any order). */
import { validation } from './contract.js';
import { DomainError } from '../core/errors.js';
import { listReturnsOfOrder, publicReturn } from '../adapters/returns.js';
import { requestReturn } from '../services/returns.js';
import { getOrder, listCustomerOrders, publicOrder, type StoredOrder } from '../adapters/orders.js';
import { page } from './paging.js';
import { placeOrder } from '../services/place-order.js';
import { confirmReceipt } from '../services/lifecycle.js';
import { requestCancellation } from '../services/cancel.js';
import { httpHandler, json, requiredIdempotencyKey, route, type Principal } from './http-handler.js';

/** Owner or `ops`; anyone else gets the same 404 as for a missing order. */
async function visibleOrder(orderId: string, principal: Principal, opsAllowed = true): Promise<StoredOrder> {
  const order = await getOrder(orderId);
  if (!order || (order.customerId !== principal.sub && !(opsAllowed && principal.isOps))) {
    throw new DomainError('NOT_FOUND', `No order ${orderId}`);
  }
  return order;
}

export const handler = httpHandler({
  'POST /orders/{orderId}/returns': route({
    ...validation('POST /orders/{orderId}/returns'),
    async handle({ params, body, headers, principal }) {
      const key = requiredIdempotencyKey(headers);
      const order = await visibleOrder(params.orderId, principal!, false);
      const { ret, replayed } = await requestReturn(order, key, body);
      return json(201, publicReturn(ret), replayed ? { 'idempotent-replayed': 'true' } : {});
    },
  }),
  'GET /orders/{orderId}/returns': route({
    ...validation('GET /orders/{orderId}/returns'),
    async handle({ params, principal }) {
      await visibleOrder(params.orderId, principal!);
      return json(200, { items: (await listReturnsOfOrder(params.orderId)).map(publicReturn) });
    },
  }),
  'POST /orders': route({
    ...validation('POST /orders'),
    async handle({ body, headers, principal }) {
      const { order, replayed } = await placeOrder(principal!.sub, requiredIdempotencyKey(headers), body);
      const location = `/orders/${order.orderId}`;
      return json(201, publicOrder(order), {
        location,
        ...(replayed ? { 'idempotent-replayed': 'true' } : {}),
      });
    },
  }),
  'GET /orders': route({
    ...validation('GET /orders'),
    async handle({ query, principal }) {
      const { items, nextCursor } = await page(query.cursor, (startKey) => listCustomerOrders(principal!.sub, query.limit, startKey));
      return json(200, { items: items.map(publicOrder), nextCursor });
    },
  }),
  'GET /orders/{orderId}': route({
    ...validation('GET /orders/{orderId}'),
    async handle({ params, principal }) {
      return json(200, publicOrder(await visibleOrder(params.orderId, principal!)));
    },
  }),
  'POST /orders/{orderId}/cancel': route({
    ...validation('POST /orders/{orderId}/cancel'),
    async handle({ params, principal }) {
      const order = await visibleOrder(params.orderId, principal!);
      return json(202, publicOrder(await requestCancellation(order)));
    },
  }),
  'POST /orders/{orderId}/confirm-receipt': route({
    ...validation('POST /orders/{orderId}/confirm-receipt'),
    async handle({ params, principal }) {
      const order = await visibleOrder(params.orderId, principal!, false);
      return json(200, publicOrder(await confirmReceipt(order)));
    },
  }),
});

/** Warehouse routes: open pick tasks, and the warehouse's report on each. */
import { DomainError } from '../core/errors.js';
import { completePickBody, orderParams, pageQuery, receiveReturnBody, returnParams, shortageBody } from '../core/schemas.js';
import { publicReturn, returnsWithStatus } from '../adapters/returns.js';
import { receiveReturn } from '../services/returns.js';
import { page } from './paging.js';
import { getOrder, listOpenPickTasks } from '../adapters/orders.js';
import { completePick } from '../services/lifecycle.js';
import { reportShortage } from '../services/shortage.js';
import { httpHandler, json, route } from './http-handler.js';

export const handler = httpHandler({
  'GET /warehouse/tasks': route({
    access: ['warehouse', 'ops'],
    query: pageQuery(50),
    async handle({ query }) {
      const { items, nextCursor } = await page(query.cursor, (startKey) => listOpenPickTasks(query.limit, startKey));
      return json(200, {
        items: items.map((order) => ({
          orderId: order.orderId,
          items: order.items.map(({ sku, name, quantity }) => ({ sku, name, quantity })),
          createdAt: order.pickTaskCreatedAt ?? order.updatedAt,
        })),
        nextCursor,
      });
    },
  }),
  'GET /warehouse/returns': route({
    access: ['warehouse', 'ops'],
    async handle() {
      // Approved returns on their way, oldest first (a return carries no personal data).
      const items = [];
      for await (const ret of returnsWithStatus('APPROVED', 1000)) items.push(publicReturn(ret));
      return json(200, { items });
    },
  }),
  'POST /warehouse/returns/{returnId}/receive': route({
    access: ['warehouse'],
    params: returnParams,
    body: receiveReturnBody,
    async handle({ params, body }) {
      return json(200, publicReturn(await receiveReturn(params.returnId, body.items)));
    },
  }),
  'POST /warehouse/tasks/{orderId}/complete': route({
    access: ['warehouse'],
    params: orderParams,
    body: completePickBody,
    async handle({ params, body }) {
      await completePick(params.orderId, body?.packages ?? []);
      return json(200, { orderId: params.orderId, status: 'PACKED' });
    },
  }),
  'POST /warehouse/tasks/{orderId}/shortage': route({
    access: ['warehouse'],
    params: orderParams,
    body: shortageBody,
    async handle({ params, body }) {
      const order = await getOrder(params.orderId);
      if (!order) throw new DomainError('NOT_FOUND', 'There is no such pick task');
      const after = await reportShortage(order, body.items, body.resolution);
      return json(202, { orderId: params.orderId, status: after.status });
    },
  }),
});

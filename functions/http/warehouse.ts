/** Warehouse routes: open pick tasks, and the warehouse's report on each. */
import { DomainError } from '../core/errors.js';
import { publicReturn, returnsWithStatus } from '../adapters/returns.js';
import { receiveReturn } from '../services/returns.js';
import { mergedPage } from './paging.js';
import { getOrder, pageOpenPickTasks } from '../adapters/orders.js';
import { PICK_TASK_SHARDS } from '../adapters/keys.js';
import { completePick } from '../services/lifecycle.js';
import { reportShortage } from '../services/shortage.js';
import { validation } from './contract.js';
import { httpHandler, json, route } from './http-handler.js';

export const handler = httpHandler({
  'GET /warehouse/tasks': route({
    ...validation('GET /warehouse/tasks'),
    async handle({ query }) {
      const { items, nextCursor } = await mergedPage(query.cursor, PICK_TASK_SHARDS, (after) => pageOpenPickTasks(query.limit, after));
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
    ...validation('GET /warehouse/returns'),
    async handle() {
      // Approved returns on their way, oldest first (a return carries no personal data).
      const items = [];
      for await (const ret of returnsWithStatus('APPROVED', 1000)) items.push(publicReturn(ret));
      return json(200, { items });
    },
  }),
  'POST /warehouse/returns/{returnId}/receive': route({
    ...validation('POST /warehouse/returns/{returnId}/receive'),
    async handle({ params, body }) {
      return json(200, publicReturn(await receiveReturn(params.returnId, body.items)));
    },
  }),
  'POST /warehouse/tasks/{orderId}/complete': route({
    ...validation('POST /warehouse/tasks/{orderId}/complete'),
    async handle({ params, body }) {
      await completePick(params.orderId, body?.packages ?? []);
      return json(200, { orderId: params.orderId, status: 'PACKED' });
    },
  }),
  'POST /warehouse/tasks/{orderId}/shortage': route({
    ...validation('POST /warehouse/tasks/{orderId}/shortage'),
    async handle({ params, body }) {
      const order = await getOrder(params.orderId);
      if (!order) throw new DomainError('NOT_FOUND', 'There is no such pick task');
      const after = await reportShortage(order, body.items, body.resolution);
      return json(202, { orderId: params.orderId, status: after.status });
    },
  }),
});

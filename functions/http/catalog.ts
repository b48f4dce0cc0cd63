/** Catalog routes: anyone reads products; `ops` sets names, prices and stock. */
import { DomainError } from '../core/errors.js';
import { getProduct, listProducts, putProduct, type Product } from '../adapters/products.js';
import { restockServingBackorders } from '../services/restock.js';
import { page } from './paging.js';
import { validation } from './contract.js';
import { httpHandler, json, route, type Principal } from './http-handler.js';

/** Stock detail beyond `available` is for operators only (API.md). */
function view(product: Product, principal: Principal | null) {
  const { reserved, sold, writtenOff, backordered, lowStockThreshold, stockShards, ...rest } = product;
  return principal?.isOps ? { ...rest, reserved, sold, writtenOff, backordered, lowStockThreshold, stockShards } : rest;
}

export const handler = httpHandler({
  'GET /products': route({
    ...validation('GET /products'),
    optionalAuth: true,
    async handle({ query, principal }) {
      const { items, nextCursor } = await page(query.cursor, (startKey) => listProducts(query.limit, startKey));
      return json(200, { items: items.map((p) => view(p, principal)), nextCursor });
    },
  }),
  'GET /products/{sku}': route({
    ...validation('GET /products/{sku}'),
    optionalAuth: true,
    async handle({ params, principal }) {
      const product = await getProduct(params.sku);
      if (!product) throw new DomainError('NOT_FOUND', `No product ${params.sku}`);
      return json(200, view(product, principal));
    },
  }),
  'PUT /products/{sku}': route({
    ...validation('PUT /products/{sku}'),
    async handle({ params, body, principal }) {
      return json(200, view(await putProduct(params.sku, body), principal));
    },
  }),
  'POST /products/{sku}/restock': route({
    ...validation('POST /products/{sku}/restock'),
    async handle({ params, body, principal }) {
      const product = await restockServingBackorders(params.sku, body.quantity);
      if (!product) throw new DomainError('NOT_FOUND', `No product ${params.sku}`);
      return json(200, view(product, principal));
    },
  }),
});

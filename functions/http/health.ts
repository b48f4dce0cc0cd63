/** GET /health: the function answers once its dependencies are configured. */
import { httpHandler, json, route } from './http-handler.js';

export const handler = httpHandler({
  'GET /health': route({ access: 'public', handle: async () => json(200, { status: 'ok' }) }),
});

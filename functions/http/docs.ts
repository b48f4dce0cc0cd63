/**
 * The API's own description: GET /openapi.json (generated from the contract the
 * handlers validate with) and GET /docs, rendered by Swagger UI. The renderer comes
 * from the `swagger-ui-dist` package, bundled into this function as text by esbuild and
 * served from here: no CDN, nothing fetched from elsewhere by the page. The document
 * is generated, and Swagger UI's 1.9 MB loaded, when first asked for, not at start.
 */
import { DomainError } from '../core/errors.js';
import { validation } from './contract.js';
import { httpHandler, route, type Reply } from './http-handler.js';

let document: string | undefined;
// The generator and the response schemas (zod's full build) load with the first ask.
const openApiJson = async () => (document ??= JSON.stringify((await import('./openapi.js')).openApiDocument({ includeSandbox: process.env.SERVES_SANDBOX === 'true' })));

// Relative URLs: the page works under any base path (an API Gateway stage, a custom domain).
const PAGE = `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>serverless-orders API</title>
  <link rel="stylesheet" href="docs/swagger-ui.css">
</head>
<body>
  <main id="swagger-ui"></main>
  <script src="docs/swagger-ui-bundle.js"></script>
  <script src="docs/init.js"></script>
</body>
</html>
`;
const INIT = "window.ui = SwaggerUIBundle({ url: 'openapi.json', dom_id: '#swagger-ui', deepLinking: true });\n";

const ASSETS: Record<string, { type: string; text: () => Promise<string> }> = {
  'swagger-ui.css': { type: 'text/css; charset=utf-8', text: async () => (await import('./docs-assets.js')).swaggerCss },
  'swagger-ui-bundle.js': { type: 'text/javascript; charset=utf-8', text: async () => (await import('./docs-assets.js')).swaggerJs },
  'init.js': { type: 'text/javascript; charset=utf-8', text: async () => INIT },
};

const text = (type: string, body: string, maxAge: number): Reply => ({ status: 200, text: body, headers: { 'content-type': type, 'cache-control': `public, max-age=${maxAge}` } });

export const handler = httpHandler({
  'GET /openapi.json': route({
    ...validation('GET /openapi.json'),
    async handle() {
      return text('application/json', await openApiJson(), 300);
    },
  }),
  'GET /docs': route({
    ...validation('GET /docs'),
    async handle() {
      return text('text/html; charset=utf-8', PAGE, 300);
    },
  }),
  'GET /docs/{asset}': route({
    ...validation('GET /docs/{asset}'),
    async handle({ params }) {
      const asset = ASSETS[params.asset];
      if (!asset) throw new DomainError('NOT_FOUND', `No asset ${params.asset}; the page uses ${Object.keys(ASSETS).join(', ')}`);
      return text(asset.type, await asset.text(), 86_400);
    },
  }),
});

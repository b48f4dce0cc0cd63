/** Swagger UI's files, as text (esbuild's text loader): loaded by the docs function only when one is asked for. */
import swaggerCss from 'swagger-ui-dist/swagger-ui.css' with { type: 'text' };
import swaggerJs from 'swagger-ui-dist/swagger-ui-bundle.js' with { type: 'text' };

export { swaggerCss, swaggerJs };

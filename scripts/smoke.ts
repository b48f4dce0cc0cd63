/** npm run smoke -- --url <ApiUrl>: one order from placement to COMPLETED (see smoke-run.ts). */
import { smoke, smokeTokens } from './smoke-run.js';

const index = process.argv.indexOf('--url');
const url = (index > 0 ? process.argv[index + 1] : process.env.SMOKE_URL)?.replace(/\/$/, '');
if (!url) {
  console.error('usage: npm run smoke -- --url <ApiUrl>   (or SMOKE_URL); a deployed stack also needs SMOKE_CUSTOMER_TOKEN, SMOKE_OPS_TOKEN, SMOKE_WAREHOUSE_TOKEN');
  process.exit(2);
}
try {
  console.log(`smoke test against ${url}`);
  await smoke(url, await smokeTokens(url), (line) => console.log(line));
  console.log('smoke test passed');
} catch (error) {
  console.error(`smoke test FAILED: ${(error as Error).message}`);
  process.exit(1);
}

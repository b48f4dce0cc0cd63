/** `npm start`: the whole stack on this machine, until Ctrl-C. */
import { startLocalStack } from './stack.js';

const started = Date.now();
const stack = await startLocalStack();
console.log(`
Orders API (local stack) ready in ${((Date.now() - started) / 1000).toFixed(1)} s
  API            ${stack.url}            (GET /docs: the API, rendered; POST /local/token, /products, /orders ...)
  DynamoDB Local ${stack.endpoints.dynamodb}
  SQS (fauxqs)   ${stack.endpoints.sqs}
  Step Functions ${stack.endpoints.sfn}   (state machines ${Object.keys(stack.stepFunctions.stateMachineArns).join(", ")})
Press Ctrl-C to stop.
`);

let stopping = false;
const shutdown = async (signal: string) => {
  if (stopping) return;
  stopping = true;
  console.log(`\n${signal}: stopping the local stack...`);
  await stack.stop();
  console.log('stopped.');
  process.exit(0);
};
process.on('SIGINT', () => void shutdown('SIGINT'));
process.on('SIGTERM', () => void shutdown('SIGTERM'));

// One local Lambda function in its own worker thread: its own module state and
// exactly its own environment (the worker's process.env), its bundle loaded once
// (a cold start) and reused after. A bundle that throws while loading fails every
// invocation, as a Lambda init error does.
import { parentPort, workerData } from 'node:worker_threads';
import { randomUUID } from 'node:crypto';

// Lambda runs Node 22; the SDK's notice that its 2027 releases need Node 22 is said once
// by the local stack's own process (README), not once per function.
const emitWarning = process.emitWarning.bind(process);
process.emitWarning = (warning, ...rest) => {
  const name = typeof rest[0] === 'string' ? rest[0] : rest[0]?.type;
  if (name === 'NodeVersionSupportWarning' || String(warning).includes('NodeVersionSupportWarning')) return;
  emitWarning(warning, ...rest);
};
const { entryUrl, functionName, timeoutMs } = workerData;
let loading;

function context(started) {
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:us-east-1:000000000000:function:${functionName}`,
    memoryLimitInMB: '512',
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: 'local',
    getRemainingTimeInMillis: () => Math.max(0, timeoutMs - (Date.now() - started)),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

async function load() {
  const module = await import(entryUrl);
  if (typeof module.handler !== 'function') throw new Error(`${entryUrl} exports no handler`);
  return module.handler;
}

parentPort.on('message', async ({ id, event, warm }) => {
  try {
    loading ??= load();
    const handler = await loading;
    if (warm) return parentPort.postMessage({ id, result: null });
    const result = await handler(event, context(Date.now()));
    parentPort.postMessage({ id, result });
  } catch (error) {
    parentPort.postMessage({ id, error: { name: error?.name ?? 'Error', message: error?.message ?? String(error), stack: error?.stack } });
  }
});

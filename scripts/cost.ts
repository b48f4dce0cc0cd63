/**
 * The price of what the local stack counted (lib/local/meter.ts), at AWS's published
 * us-east-1 on-demand prices, without free tiers or volume tiers:
 * - Step Functions Standard: $0.025 per 1,000 state transitions
 *   (https://aws.amazon.com/step-functions/pricing/).
 * - Lambda on arm64: $0.20 per million requests and $0.0000133334 per GB-second, billed
 *   per millisecond (https://aws.amazon.com/lambda/pricing/); every function has 512 MB
 *   (lib/orders-stack.ts).
 * - DynamoDB on-demand: $0.625 per million write request units, $0.125 per million
 *   read request units (https://aws.amazon.com/dynamodb/pricing/on-demand/); stream
 *   reads by a Lambda trigger are free (same page).
 * - SQS Standard: $0.40 per million requests (https://aws.amazon.com/sqs/pricing/).
 * - API Gateway HTTP APIs: $1.00 per million requests
 *   (https://aws.amazon.com/api-gateway/pricing/).
 * - CloudWatch Logs: $0.50 per GB ingested (https://aws.amazon.com/cloudwatch/pricing/).
 */
import type { MeterReading } from '../lib/local/meter.js';

export const PRICES = {
  stateTransition: 0.025 / 1_000,
  lambdaRequest: 0.2 / 1e6,
  lambdaGbSecond: 0.0000133334,
  writeRequestUnit: 0.625 / 1e6,
  readRequestUnit: 0.125 / 1e6,
  sqsRequest: 0.4 / 1e6,
  apiRequest: 1.0 / 1e6,
  logGb: 0.5,
} as const;

export const LAMBDA_MEMORY_GB = 512 / 1024;
/**
 * Log lines Lambda itself writes per invocation (START, END, REPORT with its X-Ray
 * segment): about 450 bytes, whatever the function logs.
 */
export const PLATFORM_LOG_BYTES_PER_INVOCATION = 450;
/** One HTTP API access-log record in the stack's format (lib/orders-stack.ts), with typical values. */
export const ACCESS_LOG_BYTES_PER_REQUEST = JSON.stringify({
  requestId: 'JmK3zh7XoAMEVQw=',
  routeKey: 'POST /webhooks/payments/{provider}',
  status: '200',
  ip: '203.0.113.10',
  latency: '42',
  time: '28/Nov/2026:23:41:49 +0000',
}).length;

export interface OrderWork {
  /** Per order: state transitions (StateEntered in the execution's history) and the bytes its execution log records take (level ALL, no data). */
  transitions: number;
  workflowLogBytes: number;
  reading: MeterReading;
  orders: number;
}

export interface OrderCost {
  perThousand: { total: number; stepFunctions: number; lambda: number; dynamodb: number; sqs: number; api: number; logs: number };
  perOrder: { transitions: number; invocations: number; billedMs: number; readUnits: number; writeUnits: number; sqsRequests: number; apiRequests: number; logBytes: number };
}

export function priceOrders(work: OrderWork): OrderCost {
  const n = work.orders;
  const r = work.reading;
  const perOrder = {
    transitions: work.transitions,
    invocations: r.lambda.invocations / n,
    billedMs: r.lambda.billedMs / n,
    readUnits: r.dynamodb.readUnits / n,
    writeUnits: r.dynamodb.writeUnits / n,
    sqsRequests: r.sqs.requests / n,
    apiRequests: r.api.requests / n,
    logBytes: (r.logs.functionBytes + r.lambda.invocations * PLATFORM_LOG_BYTES_PER_INVOCATION + r.api.requests * ACCESS_LOG_BYTES_PER_REQUEST) / n + work.workflowLogBytes,
  };
  const one = {
    stepFunctions: perOrder.transitions * PRICES.stateTransition,
    lambda: perOrder.invocations * PRICES.lambdaRequest + (perOrder.billedMs / 1000) * LAMBDA_MEMORY_GB * PRICES.lambdaGbSecond,
    dynamodb: perOrder.readUnits * PRICES.readRequestUnit + perOrder.writeUnits * PRICES.writeRequestUnit,
    sqs: perOrder.sqsRequests * PRICES.sqsRequest,
    api: perOrder.apiRequests * PRICES.apiRequest,
    logs: (perOrder.logBytes / 1024 ** 3) * PRICES.logGb,
  };
  const thousand = Object.fromEntries(Object.entries(one).map(([k, v]) => [k, v * 1000])) as Omit<OrderCost['perThousand'], 'total'>;
  const total = Object.values(thousand).reduce((a, b) => a + b, 0);
  return { perThousand: { total, ...thousand }, perOrder };
}

const usd = (value: number) => `$${value.toFixed(3)}`;

/** The line `npm run bench` prints. */
export function costLine(cost: OrderCost): string {
  const c = cost.perThousand;
  return `cost  ${usd(c.total)} per 1,000 orders (step functions ${usd(c.stepFunctions)}, lambda ${usd(c.lambda)}, dynamodb ${usd(c.dynamodb)}, sqs ${usd(c.sqs)}, api ${usd(c.api)}, logs ${usd(c.logs)})`;
}

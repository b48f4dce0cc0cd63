/**
 * The one declaration of what the system is made of: the table, the stage queues,
 * the functions and their triggers, the state machine and its substitutions. The
 * CDK stack and the local stack are both built from it, so they cannot drift apart.
 */
export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'DELETE';

export interface HttpRoute {
  method: HttpMethod;
  path: string;
  /** `jwt`: API Gateway's JWT authorizer runs first; `none`: the function decides. */
  auth: 'jwt' | 'none';
}

/**
 * Exactly which DynamoDB actions a function uses, and which indexes it queries: the
 * CDK stack grants this and nothing more (transactions need the actions of the
 * writes they contain).
 */
export interface TableAccess {
  actions: ('GetItem' | 'BatchGetItem' | 'PutItem' | 'UpdateItem' | 'Query' | 'BatchWriteItem')[];
  indexes?: ('gsi1' | 'gsi2' | 'gsi3')[];
}

export interface HttpFunction {
  id: string;
  entry: string;
  routes: HttpRoute[];
  table?: TableAccess;
  /**
   * Environment the function needs beyond the common set. `stateMachine`: the state
   * machines' ARNs and answering their tasks; `stateMachineArns`: the ARNs only (to
   * start, describe or redrive executions, as the lists below grant).
   */
  needs?: ('stateMachine' | 'stateMachineArns' | 'paymentProvider' | 'carrier' | 'sandbox' | 'paymentWebhookSecret' | 'carrierWebhookSecret' | 'jwtVerifier' | 'stageQueues' | 'eventDeliveries' | 'documentation')[];
}

export interface StageQueue {
  id: string;
  /** Which workflow sends to it (default the order workflow); `none`: no workflow, functions send to it. */
  machine?: 'orders' | 'returns' | 'none';
  table: TableAccess;
  /** The ASL placeholder that receives this queue's URL (workflow queues). */
  substitution?: string;
  worker: string;
  visibilityTimeoutSeconds: number;
  maxReceiveCount: number;
  batchSize: number;
  needs?: HttpFunction['needs'];
}

export const table = {
  id: 'OrdersTable',
  partitionKey: 'pk',
  sortKey: 'sk',
  ttlAttribute: 'expiresAt',
  /** The change stream the event publisher reads (both images: events are what changed). */
  stream: 'NEW_AND_OLD_IMAGES',
  indexes: [
    { name: 'gsi1', partitionKey: 'gsi1pk', sortKey: 'gsi1sk' },
    { name: 'gsi2', partitionKey: 'gsi2pk', sortKey: 'gsi2sk' },
    { name: 'gsi3', partitionKey: 'gsi3pk', sortKey: 'gsi3sk' },
  ],
} as const;

const route = (method: HttpMethod, path: string, auth: HttpRoute['auth'] = 'jwt'): HttpRoute => ({ method, path, auth });

export const httpFunctions: HttpFunction[] = [
  { id: 'health', entry: 'functions/http/health.ts', table: { actions: ['GetItem'] }, routes: [route('GET', '/health', 'none')] },
  {
    id: 'catalog',
    entry: 'functions/http/catalog.ts',
    needs: ['jwtVerifier'],
    // A restock serves backordered orders first (GSI2 lists them, oldest first).
    table: { actions: ['GetItem', 'BatchGetItem', 'Query', 'UpdateItem', 'PutItem'], indexes: ['gsi1', 'gsi2'] },
    routes: [
      route('GET', '/products', 'none'),
      route('GET', '/products/{sku}', 'none'),
      route('PUT', '/products/{sku}'),
      route('POST', '/products/{sku}/restock'),
    ],
  },
  {
    id: 'orders',
    entry: 'functions/http/orders.ts',
    needs: ['paymentProvider'],
    table: { actions: ['GetItem', 'BatchGetItem', 'Query', 'PutItem', 'UpdateItem'], indexes: ['gsi1'] },
    routes: [
      route('POST', '/orders'),
      route('GET', '/orders'),
      route('GET', '/orders/{orderId}'),
      route('POST', '/orders/{orderId}/cancel'),
      route('POST', '/orders/{orderId}/confirm-receipt'),
      route('POST', '/orders/{orderId}/returns'),
      route('GET', '/orders/{orderId}/returns'),
    ],
  },
  {
    id: 'paymentWebhooks',
    entry: 'functions/http/payment-webhooks.ts',
    needs: ['paymentProvider', 'paymentWebhookSecret'],
    table: { actions: ['GetItem', 'PutItem', 'UpdateItem'] },
    routes: [route('POST', '/webhooks/payments/{provider}', 'none')],
  },
  {
    id: 'carrierWebhooks',
    entry: 'functions/http/carrier-webhooks.ts',
    needs: ['carrier', 'carrierWebhookSecret'],
    table: { actions: ['GetItem', 'PutItem', 'UpdateItem'] },
    routes: [route('POST', '/webhooks/carriers/{carrier}', 'none')],
  },
  {
    id: 'warehouse',
    entry: 'functions/http/warehouse.ts',
    // SHIP_AVAILABLE refunds the missing units itself: the order goes on, no compensation follows.
    needs: ['paymentProvider'],
    table: { actions: ['GetItem', 'Query', 'UpdateItem', 'PutItem'], indexes: ['gsi2'] },
    routes: [
      route('GET', '/warehouse/tasks'),
      route('POST', '/warehouse/tasks/{orderId}/complete'),
      route('POST', '/warehouse/tasks/{orderId}/shortage'),
      route('GET', '/warehouse/returns'),
      route('POST', '/warehouse/returns/{returnId}/receive'),
    ],
  },
  {
    id: 'webhookEndpoints',
    entry: 'functions/http/webhook-endpoints.ts',
    // An operator's retry queues the delivery again.
    needs: ['eventDeliveries'],
    table: { actions: ['GetItem', 'PutItem', 'UpdateItem', 'Query'], indexes: ['gsi1', 'gsi2'] },
    routes: [
      route('POST', '/ops/webhook-endpoints'),
      route('GET', '/ops/webhook-endpoints'),
      route('DELETE', '/ops/webhook-endpoints/{endpointId}'),
      route('GET', '/ops/webhook-endpoints/{endpointId}/deliveries'),
      route('POST', '/ops/webhook-endpoints/{endpointId}/deliveries/{eventId}/retry'),
    ],
  },
  {
    id: 'reports',
    entry: 'functions/http/reports.ts',
    // Days × shards of pre-aggregated counters, by key: never a query over orders.
    table: { actions: ['BatchGetItem'] },
    routes: [route('GET', '/ops/reports/daily'), route('GET', '/ops/reports/daily.csv')],
  },
  {
    // Operators' order routes: search (indexes by time, status, SKU; customers by GSI1), timeline, stuck orders, cancel.
    id: 'orderOps',
    entry: 'functions/http/order-operations.ts',
    needs: ['stateMachineArns', 'paymentProvider'],
    table: { actions: ['GetItem', 'BatchGetItem', 'Query', 'UpdateItem', 'PutItem'], indexes: ['gsi1', 'gsi3'] },
    routes: [
      route('GET', '/ops/orders'),
      route('GET', '/ops/orders/export.csv'),
      route('GET', '/ops/orders/{orderId}/timeline'),
      route('GET', '/ops/stuck-orders'),
      route('POST', '/ops/orders/{orderId}/cancel'),
      route('POST', '/ops/orders/{orderId}/retry'),
    ],
  },
  {
    // The API's description, generated from the contract the handlers validate with, and its rendering.
    id: 'docs',
    entry: 'functions/http/docs.ts',
    needs: ['documentation'],
    routes: [route('GET', '/openapi.json', 'none'), route('GET', '/docs', 'none'), route('GET', '/docs/{asset}', 'none')],
  },
  {
    // Not in API.md: operators' routes (dead letters, reconciliation on demand).
    id: 'ops',
    entry: 'functions/http/ops.ts',
    // The reconciler on demand: it also carries out refunds that final orders still owe.
    needs: ['stateMachineArns', 'stageQueues', 'paymentProvider', 'carrier'],
    table: { actions: ['Query', 'GetItem', 'UpdateItem', 'PutItem'], indexes: ['gsi3', 'gsi2'] },
    routes: [route('GET', '/ops/dead-letters'), route('POST', '/ops/dead-letters/{stage}/redrive'), route('POST', '/ops/reconcile'), route('POST', '/ops/orders/{orderId}/refunds'), route('POST', '/ops/returns/{returnId}/approve'), route('POST', '/ops/returns/{returnId}/reject'), route('GET', '/ops/returns')],
  },
];

/**
 * The sandbox payment provider and carrier as a function (API.md "Local sandboxes"),
 * deployed only with `-c sandbox=true` for staging; the local stack serves the same
 * routes in process unless asked to run this function instead.
 */
export const sandboxFunction: HttpFunction = {
  id: 'sandbox',
  entry: 'functions/sandbox/handler.ts',
  needs: ['sandbox', 'paymentWebhookSecret', 'carrierWebhookSecret'],
  table: { actions: ['GetItem', 'PutItem'] },
  routes: [
    route('POST', '/sandbox/payments', 'none'),
    route('GET', '/sandbox/pay/{paymentId}', 'none'),
    route('GET', '/sandbox/payments/{paymentId}', 'none'),
    route('POST', '/sandbox/payments/{paymentId}/succeed', 'none'),
    route('POST', '/sandbox/payments/{paymentId}/fail', 'none'),
    route('POST', '/sandbox/payments/{paymentId}/refund', 'none'),
    route('POST', '/sandbox/payments/{paymentId}/close', 'none'),
    route('POST', '/sandbox/shipments', 'none'),
    route('POST', '/sandbox/shipments/{trackingNumber}/events', 'none'),
  ],
};

/** Functions run on a schedule (EventBridge on AWS, a timer locally). */
export const scheduledFunctions = [
  {
    id: 'reconciler',
    entry: 'functions/workers/reconciler.ts',
    everyMinutes: 5,
    needs: ['stateMachineArns', 'paymentProvider', 'carrier'] as HttpFunction['needs'],
    table: { actions: ['Query', 'GetItem', 'UpdateItem'], indexes: ['gsi3', 'gsi2'] } as TableAccess,
    intervalVariable: 'RECONCILE_INTERVAL_SECONDS',
  },
  {
    // Deadlines after the hand-over to the carrier (the order's execution has ended): services/due-orders.ts.
    id: 'dueOrders',
    entry: 'functions/workers/due-orders.ts',
    everyMinutes: 1,
    needs: [] as HttpFunction['needs'],
    table: { actions: ['Query', 'GetItem', 'UpdateItem'], indexes: ['gsi2'] } as TableAccess,
    intervalVariable: 'DUE_SWEEP_INTERVAL_SECONDS',
  },
];

/** What redriving a DLQ with an SQS message move task needs on the DLQ, besides consuming it (and sending to its queue). */
export const MOVE_TASK_ACTIONS = ['StartMessageMoveTask', 'ListMessageMoveTasks', 'CancelMessageMoveTask'];

/** Every function's timeout. */
export const FUNCTION_TIMEOUT_SECONDS = 15;
/** AWS's advice for SQS event sources: a queue's visibility timeout at least six times its function's timeout. */
const VISIBILITY = 6 * FUNCTION_TIMEOUT_SECONDS;

export const stageQueues: StageQueue[] = [
  { id: 'payment', table: { actions: ['GetItem', 'UpdateItem'] }, substitution: 'PaymentQueueUrl', worker: 'functions/workers/payment.ts', visibilityTimeoutSeconds: VISIBILITY, maxReceiveCount: 5, batchSize: 10, needs: ['stateMachine', 'paymentProvider'] },
  { id: 'picking', table: { actions: ['GetItem', 'UpdateItem'] }, substitution: 'PickingQueueUrl', worker: 'functions/workers/picking.ts', visibilityTimeoutSeconds: VISIBILITY, maxReceiveCount: 5, batchSize: 10, needs: ['stateMachine'] },
  { id: 'shipping', table: { actions: ['GetItem', 'PutItem', 'UpdateItem'] }, substitution: 'ShippingQueueUrl', worker: 'functions/workers/shipping.ts', visibilityTimeoutSeconds: VISIBILITY, maxReceiveCount: 5, batchSize: 10, needs: ['stateMachine', 'carrier'] },
  { id: 'compensation', table: { actions: ['GetItem', 'UpdateItem'] }, substitution: 'CompensationQueueUrl', worker: 'functions/workers/compensation.ts', visibilityTimeoutSeconds: VISIBILITY, maxReceiveCount: 5, batchSize: 10, needs: ['stateMachine', 'paymentProvider'] },
  // The return workflow's queue (statemachines/return-lifecycle.asl.json).
  { id: 'returns', table: { actions: ['GetItem', 'UpdateItem'] }, substitution: 'ReturnsQueueUrl', worker: 'functions/workers/returns.ts', visibilityTimeoutSeconds: VISIBILITY, maxReceiveCount: 5, batchSize: 10, needs: ['stateMachine', 'paymentProvider'], machine: 'returns' },
  // Outbound webhook deliveries (no workflow): the publisher queues them, the worker attempts and re-queues them.
  { id: 'webhooks', table: { actions: ['GetItem', 'UpdateItem'] }, worker: 'functions/workers/webhooks.ts', visibilityTimeoutSeconds: VISIBILITY, maxReceiveCount: 5, batchSize: 10, needs: ['eventDeliveries'], machine: 'none' },
];

/**
 * Functions fed by the table's change stream (a DynamoDB stream event source on AWS, a
 * poller of DynamoDB Local's Streams API locally). Only changes that match one of their
 * `filters` reach them (Lambda event filtering on AWS). Two readers: a DynamoDB stream
 * shard serves at most two at once without throttling.
 */
/** Times the stream event source retries a failing change before parking it in the function's DLQ. */
export const STREAM_RETRY_ATTEMPTS = 10;

/** A change a stream function reads: its item's key starts with `keyPrefix`; of one kind (`eventName`), with `newImageHas` set, when given. */
export interface ChangeFilter {
  keyPrefix: string;
  eventName?: 'INSERT' | 'MODIFY' | 'REMOVE';
  /** A string attribute the item has after the change. */
  newImageHas?: string;
}

export interface StreamFunction {
  id: string;
  entry: string;
  batchSize: number;
  /** Any one of them lets a change through (Lambda allows five). */
  filters: readonly ChangeFilter[];
  /** What a change parked in the function's DLQ (retries spent) means, for its alarm. */
  whenParked: string;
  needs: HttpFunction['needs'];
  table?: TableAccess;
}

export const streamFunctions: StreamFunction[] = [
  {
    // The order workflow, driven from the order's own writes (an outbox): each new order's
    // execution started, and the open task signalled once a change makes it resolvable
    // (paid, packed, cancelled; a return's goods received). A failed or throttled call is retried by the stream, not
    // answered as an error to whoever wrote the change.
    id: 'workflowDriver',
    entry: 'functions/streams/drive-workflows.ts',
    batchSize: 100,
    filters: [
      { keyPrefix: 'ORDER#', eventName: 'INSERT' },
      { keyPrefix: 'ORDER#', eventName: 'MODIFY', newImageHas: 'taskToken' },
      { keyPrefix: 'RETURN#', eventName: 'MODIFY', newImageHas: 'taskToken' },
    ],
    whenParked: 'an order not started is started by the reconciler (every 5 minutes); a task not signalled waits until its stage deadline, whose compensation finds the order moved on and resumes the workflow.',
    // Starts executions and answers their tasks; reads nothing from the table (the change carries the order).
    needs: ['stateMachine'],
  },
  {
    id: 'eventPublisher',
    entry: 'functions/streams/publish-events.ts',
    batchSize: 100,
    // STOCK#: a sharded SKU's other stock items (their changes are judged for stock.low).
    filters: ['ORDER#', 'RETURN#', 'PRODUCT#', 'STOCK#'].map((keyPrefix) => ({ keyPrefix })),
    whenParked: 'their events are missing until replayed.',
    needs: ['eventDeliveries'],
    // Events (transactions of Put and Update), sequence counters, report counters, deliveries; endpoints by GSI1; the operators' order index (BatchWriteItem); a sharded SKU's stock items (BatchGetItem, for stock.low).
    table: { actions: ['GetItem', 'BatchGetItem', 'PutItem', 'UpdateItem', 'Query', 'BatchWriteItem'], indexes: ['gsi1'] },
  },
];

/**
 * Every function with its entry file, in one list: `id` as IAM and the bench name it
 * (stage workers `<queue>Worker`), `construct` as the CDK stack names it.
 */
export function functionEntries(options: { sandbox?: boolean } = {}): { id: string; construct: string; entry: string }[] {
  const named = (f: { id: string; entry: string }) => ({ id: f.id, construct: `${f.id}Function`, entry: f.entry });
  return [
    ...(options.sandbox ? [...httpFunctions, sandboxFunction] : httpFunctions).map(named),
    ...stageQueues.map((q) => ({ id: `${q.id}Worker`, construct: `${q.id}Worker`, entry: q.worker })),
    ...scheduledFunctions.map(named),
    ...streamFunctions.map(named),
  ];
}

export const stateMachine = {
  id: 'OrderLifecycle',
  definitionFile: 'statemachines/order-lifecycle.asl.json',
} as const;

/** One execution per approved return: its deadline and steps, watched like an order's. */
export const returnStateMachine = {
  id: 'ReturnLifecycle',
  definitionFile: 'statemachines/return-lifecycle.asl.json',
} as const;

/** The queues each workflow sends to: the order workflow's stages, or the return workflow's. */
export const queuesOf = (machine: 'orders' | 'returns') => stageQueues.filter((q) => (q.machine ?? 'orders') === machine);

/** Functions that start executions (new orders' from the stream, approved returns, the reconciler, operators' repairs). */
export const STARTS_EXECUTIONS: readonly string[] = ['workflowDriver', 'ops', 'reconciler', 'orderOps'];
/** Functions that look executions up (the reconciler, operators). */
export const DESCRIBES_EXECUTIONS: readonly string[] = ['ops', 'reconciler', 'orderOps'];
/** Functions that read executions' histories (operators' timelines) and resume failed ones (operators' retries). */
export const READS_EXECUTION_HISTORY: readonly string[] = ['orderOps'];
export const REDRIVES_EXECUTIONS: readonly string[] = ['orderOps'];

/** The Step Functions actions a function may call: the CDK stack grants these, the local stack enforces them. */
export function workflowActions(id: string, needs: HttpFunction['needs'] = []): string[] {
  return [
    ...(needs.includes('stateMachine') ? ['SendTaskSuccess', 'SendTaskFailure', 'SendTaskHeartbeat'] : []),
    ...(STARTS_EXECUTIONS.includes(id) ? ['StartExecution'] : []),
    ...(DESCRIBES_EXECUTIONS.includes(id) ? ['DescribeExecution'] : []),
    ...(READS_EXECUTION_HISTORY.includes(id) ? ['GetExecutionHistory'] : []),
    ...(REDRIVES_EXECUTIONS.includes(id) ? ['RedriveExecution'] : []),
  ];
}

/**
 * What each function's environment holds, from its needs: the one derivation both
 * the CDK stack (with CloudFormation tokens) and the local stack (with local
 * endpoints) use, so a function sees locally exactly the variables it gets on AWS.
 */
export interface EnvironmentValues {
  tableName: string;
  stateMachineArn: string;
  returnStateMachineArn: string;
  /** JSON: payment method -> provider (PAYMENT_PROVIDERS). */
  paymentProviders: string;
  /** Per real provider: [variable, value], `<PROVIDER>_CREDENTIALS_ARN` of its Secrets Manager secret. */
  providerCredentials: [string, string][];
  /** The default carrier company, the rules by destination (JSON), and Kuaidi100's credentials ([variable, value]) when a company goes through it. */
  carrier: string;
  carrierRules: string;
  carrierCredentials: [string, string][];
  sandboxUrl?: string;
  /** Whether the deployment serves the sandbox routes (documented only then). */
  servesSandbox: boolean;
  /** [variable, value]: `*_ARN` of a Secrets Manager secret on AWS, the secret itself locally. */
  paymentWebhookSecret: [string, string];
  carrierWebhookSecret: [string, string];
  jwt: { issuer: string; audience: string };
  /** Stage id -> its queue's and its DLQ's URL. */
  queues: Record<string, { url: string; dlqUrl: string }>;
  /** Settings every function gets (deadlines, log level). */
  common: Record<string, string>;
}

export function functionEnvironment(needs: HttpFunction['needs'] = [], values: EnvironmentValues): Record<string, string> {
  const has = (need: NonNullable<HttpFunction['needs']>[number]) => needs.includes(need);
  return {
    ...values.common,
    TABLE_NAME: values.tableName,
    ...(has('stateMachine') || has('stateMachineArns') ? { STATE_MACHINE_ARN: values.stateMachineArn, RETURN_STATE_MACHINE_ARN: values.returnStateMachineArn } : {}),
    ...(has('paymentProvider') ? { PAYMENT_PROVIDERS: values.paymentProviders, ...Object.fromEntries(values.providerCredentials) } : {}),
    ...(has('carrier') ? { CARRIER: values.carrier, CARRIER_RULES: values.carrierRules, ...Object.fromEntries(values.carrierCredentials) } : {}),
    ...((has('paymentProvider') || has('carrier') || has('sandbox')) && values.sandboxUrl ? { SANDBOX_URL: values.sandboxUrl } : {}),
    ...(has('paymentWebhookSecret') ? Object.fromEntries([values.paymentWebhookSecret]) : {}),
    ...(has('carrierWebhookSecret') ? Object.fromEntries([values.carrierWebhookSecret]) : {}),
    ...(has('jwtVerifier') ? { JWT_ISSUER: values.jwt.issuer, JWT_AUDIENCE: values.jwt.audience } : {}),
    ...(has('documentation') ? { SERVES_SANDBOX: String(values.servesSandbox) } : {}),
    ...(has('eventDeliveries') && values.queues.webhooks ? { QUEUE_URL_WEBHOOKS: values.queues.webhooks.url } : {}),
    ...(has('stageQueues')
      ? Object.fromEntries(Object.entries(values.queues).flatMap(([stage, q]) => [[`QUEUE_URL_${stage.toUpperCase()}`, q.url], [`DLQ_URL_${stage.toUpperCase()}`, q.dlqUrl]]))
      : {}),
  };
}

/** Deadlines (seconds) that the functions read; API.md names the first two. */
export const deadlineVariables = [
  'PAYMENT_TIMEOUT_SECONDS',
  'AUTO_CONFIRM_SECONDS',
  'PICKING_TIMEOUT_SECONDS',
  'SHIPPING_TIMEOUT_SECONDS',
  'DELIVERY_TIMEOUT_SECONDS',
  'RETURN_WINDOW_SECONDS',
  'RETURN_SHIP_BY_SECONDS',
] as const;

/**
 * Abuse limits (requests per second, steady and burst). API Gateway enforces them on
 * AWS (stage default and per route); the local gateway enforces the same numbers.
 */
export interface Throttle {
  rateLimit: number;
  burstLimit: number;
}
/**
 * Sized for the mission's peak: a million orders a day is about 12 a second on average,
 * and a peak hour at 100 times that is about 1,200 orders a second. Each order brings
 * about one payment notification and a few carrier pushes; bursts allow twice the rate.
 * `-c ordersPerSecond=N` on AWS sizes them all from N (API Gateway's account quota,
 * 10,000 requests a second by default, bounds the sum).
 */
export function throttlingFor(ordersPerSecond: number): { default: Throttle; routes: Record<string, Throttle> } {
  const per = (rate: number) => ({ rateLimit: Math.ceil(rate), burstLimit: Math.ceil(rate * 2) });
  return {
    default: per(ordersPerSecond * 2),
    routes: {
      'POST /orders': per(ordersPerSecond),
      'PUT /products/{sku}': { rateLimit: 10, burstLimit: 20 },
      'POST /products/{sku}/restock': { rateLimit: 10, burstLimit: 20 },
      'POST /webhooks/payments/{provider}': per(ordersPerSecond * 1.5),
      'POST /webhooks/carriers/{carrier}': per(ordersPerSecond * 3),
      'POST /ops/reconcile': { rateLimit: 1, burstLimit: 2 },
    },
  };
}
export const DEFAULT_ORDERS_PER_SECOND = 1200;
export const throttling = throttlingFor(DEFAULT_ORDERS_PER_SECOND);

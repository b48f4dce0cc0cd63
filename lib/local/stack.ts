/**
 * The whole system on one machine: DynamoDB Local, fauxqs (SQS), our Step Functions
 * server, the functions behind a local API Gateway and SQS event source mappings,
 * the JWT issuer and the sandbox payment provider and carrier. Built from the same
 * topology as the CDK stack; the handlers reach every service through the AWS SDK,
 * pointed here by the standard AWS_ENDPOINT_URL_* variables.
 */
import { readFile, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { buildConsole } from '../console-build.js';
import { SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { startFauxqs } from 'fauxqs';
import { STREAM_RETRY_ATTEMPTS, deadlineVariables, functionEntries, functionEnvironment, httpFunctions, returnStateMachine, sandboxFunction, scheduledFunctions, type EnvironmentValues, type HttpFunction, stageQueues, stateMachine, streamFunctions, throttling } from '../topology.js';
import { createTable, startDynamoLocal } from './dynamodb-local.js';
import { startEventSource } from './event-source.js';
import { startStreamSource } from './stream-source.js';
import { startGateway, type GatewayRoute } from './gateway.js';
import { createIssuer, type LocalIssuer } from './issuer.js';
import { bundleFunctions, isolatedFunction, type IsolatedFunction } from './isolated-function.js';
import { accessDenied, callerOf, credentialsSecretName, dynamoCheck, LOCAL_FUNCTION_KEY_PREFIX, policiesFromTopology, SECRET_NAMES, sqsCheck, startPolicyProxy, type ProxyHooks, type Revocations } from './iam.js';
import { startSecretsManager } from './secrets-manager.js';
import type { Meter } from './meter.js';
import type { DynamoDBRecord } from 'aws-lambda';
import { Hold } from './hold.js';
import { messageMoveTasks } from './sqs-move-tasks.js';
import { Sandbox } from './sandbox.js';
import { DEFAULT_METHOD_PROVIDERS, orderIdOfMerchantPaymentId } from '../../functions/adapters/payments/provider.js';
import { startPaymentStandIns, type PaymentStandIns } from './providers/index.js';
import { startKuaidi100StandIn, type Kuaidi100StandIn } from './carriers/kuaidi100.js';
import { startStepFunctionsServer, type StepFunctionsServer } from './stepfunctions-server.js';

export const DEFAULT_SECRETS = {
  PAYMENT_WEBHOOK_SECRET: 'whsec_bG9jYWwtcGF5bWVudC13ZWJob29rLXNlY3JldA==',
  CARRIER_WEBHOOK_SECRET: 'whsec_bG9jYWwtY2Fycmllci13ZWJob29rLXNlY3JldA==',
  /** Ours, sent with each Kuaidi100 subscription; its pushes are signed with it. */
  KUAIDI100_SALT: 'local-kuaidi100-salt',
};

export interface LocalStackOptions {
  /** Port of the API; 0 picks a free one. Default: PORT or 3000. */
  port?: number;
  /** Settings for the functions (deadlines, secrets, log level), over the process's own. */
  env?: Record<string, string>;
  /** Overrides the topology's API throttling (requests per second), to see 429s quickly. */
  throttling?: typeof throttling;
  /**
   * Serve /sandbox/... with the deployable sandbox function (state in DynamoDB, as on a
   * staging stack) instead of the in-process sandbox that tests steer.
   */
  deployableSandbox?: boolean;
  /** Grants to take away from functions' local policies, to show what a missing grant does. */
  revoke?: Revocations;
  /** Overrides each queue's visibility timeout (seconds), to see redelivery quickly. */
  visibilityTimeoutSeconds?: number;
  /** Overrides the stream event sources' retries of a failing change, to see one parked quickly. */
  streamRetryAttempts?: number;
  /**
   * Counts what the stack does (invocations, capacity units, SQS and API requests, log
   * bytes) for pricing it (scripts/cost.ts); the functions' logs are counted, not shown.
   */
  meter?: Meter;
  log?: (line: string) => void;
}

export interface LocalStack {
  url: string;
  /** The sandbox provider and carrier, and the ledger of every provider stand-in. */
  sandbox: Sandbox;
  /** The real providers' stand-ins (their keys, to sign and forge notifications in tests). */
  providers: PaymentStandIns;
  /** The carriers' stand-ins (Kuaidi100 for SF Express, ZTO and EMS). */
  carriers: { kuaidi100: Kuaidi100StandIn };
  /** The customer opens the order's checkout page; false until the payment exists. */
  openCheckout(orderId: string): Promise<boolean>;
  issuer: LocalIssuer;
  sqs: SQSClient;
  stepFunctions: StepFunctionsServer;
  queues: Record<string, { url: string; arn: string; dlqUrl: string; dlqArn: string }>;
  /** The stream functions' on-failure destinations: changes given up after their retries, by function. */
  parkedChanges: Record<string, DynamoDBRecord[]>;
  /** Holds the queues' and the stream's event sources (benchmarks of the request path alone). */
  consumers: Hold;
  /** `dynamodbLocal` is DynamoDB Local itself, behind no proxy (benchmarks' yardstick). */
  endpoints: { dynamodb: string; dynamodbLocal: string; sqs: string; sfn: string; secretsManager: string };
  stop(): Promise<void>;
}

/**
 * The customer opens the order's checkout page, as their browser would (a page-pay trade
 * exists at Alipay from then on). False while the payment stage has not created it.
 */
async function openCheckout(orderId: string): Promise<boolean> {
  // Imported late: the adapter reads TABLE_NAME when loaded, which the stack sets at start.
  const { getOrder } = await import('../../functions/adapters/orders.js');
  const url = (await getOrder(orderId))?.payment?.checkoutUrl;
  if (!url) return false;
  if (url.startsWith('http')) await fetch(url, { signal: AbortSignal.timeout(5000) }).then((r) => r.arrayBuffer());
  return true;
}

function listening(server: Server): Promise<Server> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve(server));
  });
}

export async function startLocalStack(options: LocalStackOptions = {}): Promise<LocalStack> {
  const log = options.log ?? ((line: string) => console.log(line));
  const stoppers: (() => Promise<void>)[] = [];
  const parkedChanges: Record<string, DynamoDBRecord[]> = {};
  const consumers = new Hold();
  // Port 0: the API's port is taken now and held (the URL goes into every function's
  // environment long before the gateway serves); a port only picked would be free for
  // any other process (another test file's stack) to take meanwhile.
  const held = options.port === 0 ? await listening(createServer()) : undefined;
  if (held) stoppers.push(() => new Promise<void>((resolve) => held.close(() => resolve())));
  const port = held ? (held.address() as AddressInfo).port : (options.port ?? Number(process.env.PORT ?? 3000));
  const url = `http://127.0.0.1:${port}`;
  const region = 'us-east-1';
  const stop = async () => {
    consumers.release();
    for (const stopOne of stoppers.reverse()) await stopOne().catch(() => undefined);
  };

  try {
    const [dynamo, fauxqs] = await Promise.all([startDynamoLocal(), startFauxqs({ port: 0, logger: false, host: '127.0.0.1' })]);
    stoppers.push(() => dynamo.stop(), () => fauxqs.stop());
    const tableName = 'orders';
    await createTable(dynamo.endpoint, tableName);
    // IAM: every function's calls pass its policy (from the topology) first.
    const policies = policiesFromTopology(options.revoke);
    const meter = options.meter;
    // Only the functions' DynamoDB calls are the workload's (the harness's reads are tests and scripts looking).
    const rawDynamo = new DynamoDBClient({ endpoint: dynamo.endpoint, region, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
    const readItem = async (table: string, key: object) => (await rawDynamo.send(new GetItemCommand({ TableName: table, Key: key as never, ConsistentRead: true }))).Item;
    const dynamoHooks: ProxyHooks = meter
      ? {
          active: () => meter.on,
          request: (caller, target, body) => (caller && meter.on ? meter.dynamodbRequest(target, body) : body),
          response: (caller, target, body, request) => caller && meter.on && meter.dynamodbResponse(caller, target, request, body, readItem),
        }
      : {};
    const dynamoProxy = await startPolicyProxy(dynamo.endpoint, policies, (policy, caller, target, body) => dynamoCheck(policy, caller, target, body, region), dynamoHooks);
    // Functions' SQS calls pass here (and, while counting, the harness's too: Step Functions' sends and the event sources' polls are the workload's).
    // The emulator has no message move tasks: the proxy answers those itself.
    const moveTasks = messageMoveTasks(new SQSClient({ endpoint: fauxqs.address, region, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } }));
    const sqsProxy = await startPolicyProxy(fauxqs.address, policies, (policy, caller, target, body) => sqsCheck(policy, caller, target, body, region), {
      intercept: (_caller, target, body) => moveTasks(target, body),
      ...(meter ? { active: () => meter.on, response: (_caller: string | null, target: string, body: Buffer) => meter.sqsRequest(target, body) } : {}),
    });
    stoppers.push(() => dynamoProxy.stop(), () => sqsProxy.stop());

    const queues: LocalStack['queues'] = {};
    for (const queue of stageQueues) {
      const dlq = fauxqs.createQueue(`${queue.id}-dlq`, { attributes: { MessageRetentionPeriod: '1209600' } });
      const main = fauxqs.createQueue(queue.id, {
        attributes: {
          VisibilityTimeout: String(options.visibilityTimeoutSeconds ?? queue.visibilityTimeoutSeconds),
          RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlq.queueArn, maxReceiveCount: queue.maxReceiveCount }),
        },
      });
      queues[queue.id] = { url: main.queueUrl, arn: main.queueArn, dlqUrl: dlq.queueUrl, dlqArn: dlq.queueArn };
    }
    const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
    // Step Functions' sends and the event sources' polls: through the proxy only when counted (one hop fewer otherwise).
    const sqs = new SQSClient({ endpoint: meter?.on ? sqsProxy.endpoint : fauxqs.address, region, credentials, useQueueUrlAsEndpoint: false });

    // Each workflow's ASL with its queues' URLs, as DefinitionSubstitutions does on AWS.
    const definitionOf = async (file: string) =>
      JSON.parse(
        (await readFile(new URL(`../../${file}`, import.meta.url), 'utf8')).replace(/\$\{(\w+)\}/g, (_m, name: string) => {
          const queue = stageQueues.find((q) => q.substitution === name);
          if (!queue) throw new Error(`The ASL names \${${name}}, which the topology does not substitute`);
          return queues[queue.id]!.url;
        }),
      );
    const stepFunctions = await startStepFunctionsServer({
      name: stateMachine.id,
      definition: await definitionOf(stateMachine.definitionFile),
      machines: [{ name: returnStateMachine.id, definition: await definitionOf(returnStateMachine.definitionFile) }],
      sqs,
      region,
      authorize(authorization, action, resource) {
        const caller = callerOf(authorization);
        return caller && !policies.get(caller)?.states.has(action) ? accessDenied('states', caller, action, resource) : null;
      },
    });
    stoppers.push(() => stepFunctions.stop());

    const issuer = await createIssuer(`${url}/local`);
    // This process's own environment: for tests and scripts that read the stack's state
    // with the same adapters (as an operator would, unchecked by IAM). Functions never
    // see it: each gets only its own (below).
    Object.assign(process.env, {
      AWS_REGION: region,
      AWS_ACCESS_KEY_ID: credentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
      AWS_ENDPOINT_URL_DYNAMODB: dynamoProxy.endpoint,
      AWS_ENDPOINT_URL_SQS: fauxqs.address,
      AWS_ENDPOINT_URL_SFN: stepFunctions.endpoint,
      TABLE_NAME: tableName,
      STATE_MACHINE_ARN: stepFunctions.stateMachineArn,
      SANDBOX_URL: url,
      JWT_ISSUER: issuer.issuer,
      JWT_AUDIENCE: issuer.audience,
      POWERTOOLS_METRICS_DISABLED: 'true',
      PAYMENT_WEBHOOK_SECRET: process.env.PAYMENT_WEBHOOK_SECRET ?? DEFAULT_SECRETS.PAYMENT_WEBHOOK_SECRET,
      CARRIER_WEBHOOK_SECRET: process.env.CARRIER_WEBHOOK_SECRET ?? DEFAULT_SECRETS.CARRIER_WEBHOOK_SECRET,
      ...Object.fromEntries(
        Object.entries(queues).flatMap(([stage, q]) => [
          [`QUEUE_URL_${stage.toUpperCase()}`, q.url],
          [`DLQ_URL_${stage.toUpperCase()}`, q.dlqUrl],
        ]),
      ),
      ...options.env,
    });
    // During a rotation several secrets are configured; the sandbox signs with the newest (deliver picks it).
    const sandbox = new Sandbox(url, { payment: process.env.PAYMENT_WEBHOOK_SECRET!, carrier: process.env.CARRIER_WEBHOOK_SECRET! });
    const providers = await startPaymentStandIns(sandbox, url);
    stoppers.push(() => providers.stop());
    const kuaidi100 = await startKuaidi100StandIn(sandbox, url, process.env.KUAIDI100_SALT ?? DEFAULT_SECRETS.KUAIDI100_SALT);
    stoppers.push(() => kuaidi100.server.stop());

    // Each function runs isolated, with the environment the CDK stack gives it (from the
    // same topology) plus what Lambda itself sets: region, endpoints and its own identity.
    const { PAYMENT_WEBHOOK_SECRET: _p, CARRIER_WEBHOOK_SECRET: _c, KUAIDI100_SALT: _k, ...settings } = options.env ?? {};
    const passedThrough = [
      ...deadlineVariables,
      'POWERTOOLS_LOG_LEVEL',
      'RECONCILE_GRACE_SECONDS',
      'RECONCILE_PAYMENT_QUERY_SECONDS',
      'RECONCILE_BUDGET_SECONDS',
      'RECONCILE_PAGE_SIZE',
      'KUAIDI100_RESUBSCRIBE_SECONDS',
      'SHORTAGE_RESOLUTION',
      'REPORT_TIMEZONE',
      'WEBHOOK_RETRY_SCHEDULE_SECONDS',
    ];
    // The webhook secrets, read by ARN from the local Secrets Manager as on AWS.
    const secretsManager = await startSecretsManager({
      region,
      secrets: {
        [SECRET_NAMES.paymentWebhookSecret]: process.env.PAYMENT_WEBHOOK_SECRET!,
        [SECRET_NAMES.carrierWebhookSecret]: process.env.CARRIER_WEBHOOK_SECRET!,
        ...Object.fromEntries(Object.entries(providers.credentials).map(([name, json]) => [credentialsSecretName(name), json])),
        [credentialsSecretName('kuaidi100')]: JSON.stringify(kuaidi100.credentials),
      },
      authorize(authorization, name, arn) {
        const caller = callerOf(authorization);
        return caller && !policies.get(caller)?.secrets.has(name) ? accessDenied('secretsmanager', caller, 'GetSecretValue', arn) : null;
      },
    });
    stoppers.push(() => secretsManager.stop());
    const values: EnvironmentValues = {
      tableName,
      stateMachineArn: stepFunctions.stateMachineArn,
      returnStateMachineArn: stepFunctions.stateMachineArns[returnStateMachine.id]!,
      // Every method to its real provider's stand-in unless the settings route it elsewhere
      // (API.md); with the deployable sandbox (a staging stack) every method to the sandbox.
      paymentProviders:
        process.env.PAYMENT_PROVIDERS ??
        JSON.stringify(options.deployableSandbox ? Object.fromEntries(Object.keys(DEFAULT_METHOD_PROVIDERS).map((method) => [method, 'sandbox'])) : DEFAULT_METHOD_PROVIDERS),
      providerCredentials: Object.keys(providers.credentials).map((name) => [`${name.toUpperCase()}_CREDENTIALS_ARN`, secretsManager.arns[credentialsSecretName(name)]!]),
      // The sandbox carrier unless the settings name a company (through Kuaidi100's stand-in).
      carrier: process.env.CARRIER ?? 'sandbox',
      carrierRules: process.env.CARRIER_RULES ?? '[]',
      carrierCredentials: [['KUAIDI100_CREDENTIALS_ARN', secretsManager.arns[credentialsSecretName('kuaidi100')]!]],
      sandboxUrl: url,
      servesSandbox: true,
      paymentWebhookSecret: ['PAYMENT_WEBHOOK_SECRET_ARN', secretsManager.arns[SECRET_NAMES.paymentWebhookSecret]!],
      carrierWebhookSecret: ['CARRIER_WEBHOOK_SECRET_ARN', secretsManager.arns[SECRET_NAMES.carrierWebhookSecret]!],
      jwt: { issuer: issuer.issuer, audience: issuer.audience },
      queues,
      common: {
        POWERTOOLS_SERVICE_NAME: 'orders',
        POWERTOOLS_METRICS_DISABLED: 'true',
        // API.md: locally, webhook endpoints may also be http://127.0.0.1:<port>/... (tests receive there).
        WEBHOOK_ALLOW_LOCAL_RECEIVERS: 'true',
        ...Object.fromEntries(passedThrough.flatMap((name) => (process.env[name] ? [[name, process.env[name]!]] : []))),
        ...settings,
      },
    };
    const httpSpecs = options.deployableSandbox ? [...httpFunctions, sandboxFunction] : httpFunctions;
    const { bundles, remove } = await bundleFunctions(functionEntries({ sandbox: options.deployableSandbox }).map((f) => f.entry));
    stoppers.push(remove);
    const functions: IsolatedFunction[] = [];
    stoppers.push(async () => void (await Promise.all(functions.map((fn) => fn.stop()))));
    const start = (id: string, entry: string, needs: HttpFunction['needs']) => {
      const fn = isolatedFunction({
        name: id,
        bundle: bundles.get(entry)!,
        env: {
          AWS_REGION: region,
          AWS_LAMBDA_FUNCTION_NAME: id,
          // The function's own identity: the local endpoints grant by it.
          AWS_ACCESS_KEY_ID: `${LOCAL_FUNCTION_KEY_PREFIX}${id}`,
          AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
          AWS_ENDPOINT_URL_DYNAMODB: dynamoProxy.endpoint,
          AWS_ENDPOINT_URL_SQS: sqsProxy.endpoint,
          AWS_ENDPOINT_URL_SFN: stepFunctions.endpoint,
          AWS_ENDPOINT_URL_SECRETS_MANAGER: secretsManager.endpoint,
          ...functionEnvironment(needs, values),
        },
        ...(meter ? { onOutput: (chunk: Buffer) => meter.logBytes(chunk.length) } : {}),
      });
      functions.push(fn);
      if (!meter) return fn.handler;
      return async (event: unknown) => {
        const started = performance.now();
        try {
          return await fn.handler(event);
        } finally {
          meter.invocation(id, performance.now() - started);
        }
      };
    };

    const routes: GatewayRoute[] = [];
    for (const fn of httpSpecs) {
      const handler = start(fn.id, fn.entry, fn.needs);
      const counted = meter ? (event: unknown) => (meter.apiRequest(), handler(event)) : handler;
      for (const route of fn.routes) routes.push({ ...route, functionName: fn.id, handler: counted });
    }
    for (const queue of stageQueues) {
      const handler = start(`${queue.id}Worker`, queue.worker, queue.needs);
      const { url: queueUrl, arn: queueArn } = queues[queue.id]!;
      stoppers.push(
        // Deliveries wait on outside endpoints (up to 10 s each): more pollers, as Lambda scales out with the backlog.
        startEventSource(sqs, { functionName: `${queue.id}Worker`, queueUrl, queueArn, batchSize: queue.batchSize, handler, pollers: queue.id === 'webhooks' ? 10 : undefined, hold: consumers }, (error) =>
          log(`event source ${queue.id}: ${(error as Error).message}`),
        ),
      );
    }
    // Stream functions: a poller of DynamoDB Local's Streams API stands in for the event source mapping.
    for (const fn of streamFunctions) {
      const handler = start(fn.id, fn.entry, fn.needs);
      stoppers.push(
        await startStreamSource(
          {
            functionName: fn.id,
            endpoint: dynamo.endpoint,
            tableName,
            batchSize: fn.batchSize,
            filters: fn.filters,
            retryAttempts: options.streamRetryAttempts ?? STREAM_RETRY_ATTEMPTS,
            handler,
            hold: consumers,
            onParked: (record) => {
              (parkedChanges[fn.id] ??= []).push(record);
              log(`stream ${fn.id}: change ${record.eventID} parked after its retries`);
            },
          },
          (error) => log(`stream ${fn.id}: ${(error as Error).message}`),
        ),
      );
    }
    // Scheduled functions: a timer stands in for the EventBridge schedule.
    for (const scheduled of scheduledFunctions) {
      const handler = start(scheduled.id, scheduled.entry, scheduled.needs);
      const seconds = Number(process.env[scheduled.intervalVariable] ?? scheduled.everyMinutes * 60);
      const timer = setInterval(() => {
        handler({ source: 'aws.events', 'detail-type': 'Scheduled Event' }).catch((error: Error) =>
          log(`scheduled ${scheduled.id} failed: ${error.message}`),
        );
      }, seconds * 1000);
      timer.unref();
      stoppers.push(async () => clearInterval(timer));
    }
    // Every function loaded before the stack says it is ready (a warm start, as after the
    // first request on AWS); a function that cannot load fails the start, with its error.
    await Promise.all(functions.map((fn) => fn.warm()));
    // The operators' console, signing in with the local issuer.
    const consoleDir = buildConsole({ mode: 'local', apiUrl: '' });
    stoppers.push(() => rm(consoleDir, { recursive: true, force: true }));
    const gateway = await startGateway({
      port: held ?? port,
      routes,
      sites: [{ prefix: '/console/', dir: consoleDir }],
      issuer,
      sandbox,
      log,
      throttling: options.throttling ?? throttling,
      openCheckout: async (paymentId) => {
        const orderId = orderIdOfMerchantPaymentId(paymentId);
        if (orderId) await openCheckout(orderId);
      },
    });
    stoppers.push(() => gateway.stop());

    return {
      url,
      sandbox,
      providers,
      carriers: { kuaidi100 },
      openCheckout,
      issuer,
      sqs,
      stepFunctions,
      queues,
      parkedChanges,
      consumers,
      endpoints: { dynamodb: dynamoProxy.endpoint, dynamodbLocal: dynamo.endpoint, sqs: sqsProxy.endpoint, sfn: stepFunctions.endpoint, secretsManager: secretsManager.endpoint },
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

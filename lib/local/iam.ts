/**
 * IAM, enforced locally. Each function calls AWS under its own identity (its access
 * key id names it, see stack.ts); its policy is what the CDK stack grants it, derived
 * from the same topology. A thin proxy in front of DynamoDB Local and a check in the
 * Step Functions stand-in refuse any call the policy does not allow, answering as AWS
 * does (`AccessDeniedException`), so a missing grant fails a local test before a
 * deployment. Calls from the test harness itself (any other key) are not checked.
 */
import { createServer, request as httpRequest, type IncomingMessage } from 'node:http';
import { MOVE_TASK_ACTIONS, httpFunctions, sandboxFunction, scheduledFunctions, stageQueues, streamFunctions, workflowActions, type HttpFunction, type TableAccess } from '../topology.js';

export const LOCAL_FUNCTION_KEY_PREFIX = 'LOCALFN';

export interface LocalPolicy {
  /** DynamoDB actions (e.g. `PutItem`) on the table. */
  dynamodb: Set<string>;
  /** Indexes the function may query. */
  indexes: Set<string>;
  /** Step Functions actions (e.g. `StartExecution`). */
  states: Set<string>;
  /** SQS actions by queue name (the local queues are named by their stage). */
  sqs: Map<string, Set<string>>;
  /** Secrets (by name) the function may read. */
  secrets: Set<string>;
}

/** The secrets' names, as the CDK stack names them. */
export const SECRET_NAMES = { paymentWebhookSecret: 'PaymentWebhookSecret', carrierWebhookSecret: 'CarrierWebhookSecret' } as const;

/** A payment provider's credentials secret, as the CDK stack names it (StripeCredentials, ...). */
export function credentialsSecretName(provider: string): string {
  return `${provider.charAt(0).toUpperCase()}${provider.slice(1)}Credentials`;
}
export const REAL_PROVIDERS = ['alipay', 'wechatpay', 'paypal', 'stripe'] as const;

/** What the CDK stack's `grantSendMessages` and `grantConsumeMessages` allow. */
const SEND = ['SendMessage', 'GetQueueAttributes', 'GetQueueUrl'];
const CONSUME = ['ReceiveMessage', 'ChangeMessageVisibility', 'GetQueueUrl', 'DeleteMessage', 'GetQueueAttributes'];

/** Grants to take away, by function id, to show what a missing grant does. */
export type Revocations = Record<string, { dynamodb?: string[]; states?: string[]; sqs?: string[] }>;

/** Every function's policy, as the CDK stack grants it. */
export function policiesFromTopology(revoke: Revocations = {}): Map<string, LocalPolicy> {
  const specs: { id: string; table?: TableAccess; needs?: HttpFunction['needs'] }[] = [
    ...httpFunctions,
    sandboxFunction,
    ...stageQueues.map((q) => ({ id: `${q.id}Worker`, table: q.table, needs: q.needs })),
    ...scheduledFunctions,
    ...streamFunctions,
  ];
  return new Map(
    specs.map((spec) => {
      const taken = revoke[spec.id] ?? {};
      const dynamodb = new Set((spec.table?.actions ?? []).filter((a) => !taken.dynamodb?.includes(a)));
      const states = new Set(workflowActions(spec.id, spec.needs).filter((a) => !taken.states?.includes(a)));
      const allowed = (actions: string[]) => new Set(actions.filter((a) => !taken.sqs?.includes(a)));
      // The operators' dead-letter routes move messages from each stage's DLQ back to its queue.
      const sqs = new Map([
        ...(spec.needs?.includes('stageQueues') ? stageQueues.flatMap((q) => [[q.id, allowed(SEND)] as const, [`${q.id}-dlq`, allowed([...CONSUME, ...MOVE_TASK_ACTIONS])] as const]) : []),
        // Whoever queues webhook deliveries (the publisher, the worker's re-queues, an operator's retry).
        ...(spec.needs?.includes('eventDeliveries') ? [['webhooks', allowed(SEND)] as const] : []),
      ]);
      const secrets = new Set([
        ...(['paymentWebhookSecret', 'carrierWebhookSecret'] as const).filter((need) => spec.needs?.includes(need)).map((need) => SECRET_NAMES[need]),
        // Whoever talks to providers reads their credentials (and only they do).
        ...(spec.needs?.includes('paymentProvider') ? REAL_PROVIDERS.map(credentialsSecretName) : []),
        ...(spec.needs?.includes('carrier') ? [credentialsSecretName('kuaidi100')] : []),
      ]);
      return [spec.id, { dynamodb, indexes: new Set(spec.table?.indexes ?? []), states, sqs, secrets }];
    }),
  );
}

/** The function an AWS request comes from, by the access key id in its SigV4 Authorization header; null for the harness. */
export function callerOf(authorization: string | undefined): string | null {
  const key = /Credential=([^/,\s]+)\//.exec(authorization ?? '')?.[1];
  return key?.startsWith(LOCAL_FUNCTION_KEY_PREFIX) ? key.slice(LOCAL_FUNCTION_KEY_PREFIX.length) : null;
}

/** AWS's answer to a call no policy allows. */
export function accessDenied(service: 'dynamodb' | 'states' | 'secretsmanager', caller: string, action: string, resource: string) {
  const namespace = { dynamodb: 'com.amazonaws.dynamodb.v20120810', states: 'com.amazonaws.states', secretsmanager: 'com.amazonaws.secretsmanager' }[service];
  return {
    __type: `${namespace}#AccessDeniedException`,
    message: `User: arn:aws:sts::000000000000:assumed-role/${caller}/${caller} is not authorized to perform: ${service}:${action} on resource: ${resource} because no identity-based policy allows the ${service}:${action} action`,
  };
}

/** The actions (and index, if any) one DynamoDB request needs. */
function dynamoNeeds(target: string, body: Record<string, unknown>): { actions: string[]; index?: string } {
  const operation = target.replace(/^DynamoDB_\d+\./, '');
  if (operation === 'TransactWriteItems') {
    const items = (body.TransactItems as Record<string, unknown>[] | undefined) ?? [];
    const names: Record<string, string> = { Put: 'PutItem', Update: 'UpdateItem', Delete: 'DeleteItem', ConditionCheck: 'ConditionCheckItem' };
    return { actions: [...new Set(items.flatMap((item) => Object.keys(item).map((kind) => names[kind] ?? kind)))] };
  }
  if (operation === 'TransactGetItems') return { actions: ['GetItem'] };
  return { actions: [operation], index: typeof body.IndexName === 'string' ? body.IndexName : undefined };
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/** The refusal a DynamoDB call gets from the caller's policy, or null when it is allowed. */
export function dynamoCheck(policy: LocalPolicy | undefined, caller: string, target: string, body: Record<string, unknown>, region: string): object | null {
  const { actions, index } = dynamoNeeds(target, body);
  const table = `arn:aws:dynamodb:${region}:000000000000:table/${String(body.TableName ?? '*')}`;
  const denied = actions.find((action) => !policy?.dynamodb.has(action));
  if (denied) return accessDenied('dynamodb', caller, denied, table);
  if (index && !policy?.indexes.has(index)) return accessDenied('dynamodb', caller, actions[0]!, `${table}/index/${index}`);
  return null;
}

/** The refusal an SQS call gets from the caller's policy, or null when it is allowed. */
export function sqsCheck(policy: LocalPolicy | undefined, caller: string, target: string, body: Record<string, unknown>, region: string): object | null {
  const action = target.replace(/^AmazonSQS\./, '');
  // Move tasks name their queue by ARN (SourceArn; CancelMessageMoveTask by a handle that encodes it).
  const handle = typeof body.TaskHandle === 'string' ? (JSON.parse(Buffer.from(body.TaskHandle, 'base64').toString('utf8') || '{}') as { sourceArn?: string }).sourceArn : undefined;
  const queue = String(body.QueueUrl ?? body.QueueName ?? body.SourceArn ?? handle ?? '').split(/[/:]/).at(-1) ?? '';
  if (policy?.sqs.get(queue)?.has(action)) return null;
  return {
    __type: 'com.amazonaws.sqs#AccessDenied',
    message: `User: arn:aws:sts::000000000000:assumed-role/${caller}/${caller} is not authorized to perform: sqs:${action} on resource: arn:aws:sqs:${region}:000000000000:${queue} because no identity-based policy allows the sqs:${action} action`,
  };
}

/** What else a proxy does with the calls it passes: count them (lib/local/meter.ts), or answer some itself. */
export interface ProxyHooks {
  /** The body to send on instead of the caller's. */
  request?(caller: string | null, target: string, body: Buffer): Buffer;
  /** The service's answer, once complete (with the request as sent). */
  response?(caller: string | null, target: string, body: Buffer, request: Buffer): void;
  /** False while the hooks have nothing to do (the answer is then passed straight on). */
  active?(): boolean;
  /** An answer of the proxy's own (an action the local service lacks), or null to pass the call on. */
  intercept?(caller: string | null, target: string, body: Record<string, unknown>): Promise<{ status: number; body: object } | null>;
}

/**
 * A proxy in front of a local AWS service (JSON protocol) that checks each call of a
 * function against its policy before passing it on; the harness's calls pass unchecked.
 */
export async function startPolicyProxy(
  target: string,
  policies: Map<string, LocalPolicy>,
  check: (policy: LocalPolicy | undefined, caller: string, target: string, body: Record<string, unknown>) => object | null,
  hooks: ProxyHooks = {},
): Promise<{ endpoint: string; stop(): Promise<void> }> {
  const upstream = new URL(target);
  const server = createServer((req, res) => {
    void (async () => {
      const received = await readBody(req);
      const caller = callerOf(req.headers.authorization);
      const action = String(req.headers['x-amz-target'] ?? '');
      let parsed: Record<string, unknown> = {};
      try {
        parsed = JSON.parse(received.toString('utf8') || '{}') as Record<string, unknown>;
      } catch {
        // the service will answer the malformed request itself
      }
      if (caller) {
        const denied = check(policies.get(caller), caller, action, parsed);
        if (denied) {
          res.writeHead(400, { 'content-type': 'application/x-amz-json-1.0', 'x-amzn-query-error': 'AccessDenied;Sender' });
          return res.end(JSON.stringify(denied));
        }
      }
      const own = await hooks.intercept?.(caller, action, parsed);
      if (own) {
        const answer = Buffer.from(JSON.stringify(own.body));
        hooks.response?.(caller, action, answer, received);
        res.writeHead(own.status, { 'content-type': 'application/x-amz-json-1.0', 'content-length': answer.length });
        return res.end(answer);
      }
      const body = hooks.request ? hooks.request(caller, action, received) : received;
      const forward = httpRequest(
        { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: { ...req.headers, host: upstream.host, 'content-length': String(body.length) } },
        (answer) => {
          res.writeHead(answer.statusCode ?? 500, answer.headers);
          if (!hooks.response || hooks.active?.() === false) return void answer.pipe(res);
          const chunks: Buffer[] = [];
          answer.on('data', (chunk: Buffer) => {
            chunks.push(chunk);
            res.write(chunk);
          });
          answer.on('end', () => {
            hooks.response!(caller, action, Buffer.concat(chunks), body);
            res.end();
          });
        },
      );
      forward.on('error', (error) => {
        if (!res.headersSent) res.writeHead(502);
        res.end(String(error));
      });
      forward.end(body);
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    endpoint: `http://127.0.0.1:${port}`,
    async stop() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** CDK assertions on the synthesized template: properties, not a serialized snapshot. */
import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { httpFunctions, queuesOf, sandboxFunction, scheduledFunctions, stageQueues, streamFunctions, throttling, type TableAccess } from '../../lib/topology.js';
import { OrdersStack } from '../../lib/orders-stack.js';

/** A staging stack's sandbox (the configuration needs one while no real provider is built). */
const SANDBOX_URL = 'https://sandbox.staging.example';

let template: Template;

beforeAll(() => {
  // Skip esbuild bundling: these tests look at the template, not the bundles.
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  template = Template.fromStack(new OrdersStack(app, 'Test', { env: { account: '123456789012', region: 'eu-west-1' }, sandboxUrl: SANDBOX_URL }));
});

describe('the CDK stack', () => {
  it('also synthesizes without an account or region (as `npm run synth` does offline)', () => {
    const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
    expect(() => Template.fromStack(new OrdersStack(app, 'Agnostic', { sandboxUrl: SANDBOX_URL }))).not.toThrow();
  });

  it('refuses a configuration that could not run, saying what to set', () => {
    const synth = (props: ConstructorParameters<typeof OrdersStack>[2]) => () => new OrdersStack(new App({ context: { 'aws:cdk:bundling-stacks': [] } }), 'Bad', props);
    expect(synth({})).toThrow(/-c sandbox=true deploys one with the API/);
    // Production: real providers (the default routing) and a real carrier need no sandbox.
    expect(synth({ carrier: 'shunfeng' })).not.toThrow();
    expect(synth({ sandboxUrl: 'http://sandbox.example' })).toThrow(/must be an https URL/);
    expect(synth({ sandboxUrl: SANDBOX_URL, paymentProviders: { card: 'visa' } })).toThrow(/card -> "visa" is not one of/);
    expect(synth({ sandboxUrl: SANDBOX_URL, paymentProviders: { cash: 'sandbox' } })).toThrow(/"cash" is not a payment method/);
    expect(synth({ sandboxUrl: SANDBOX_URL, corsOrigins: ['https://shop.example.com/path'] })).toThrow(/is not an origin/);
    expect(synth({ sandboxUrl: SANDBOX_URL, callbackUrls: ['http://evil.example/cb'] })).toThrow(/must be https/);
    expect(synth({ sandboxUrl: SANDBOX_URL, deadlines: { PAYMENT_TIMEOUT_SECONDS: 0 } })).toThrow(/PAYMENT_TIMEOUT_SECONDS must be a whole number/);
    expect(synth({ sandboxUrl: SANDBOX_URL, reportTimezone: 'Mars/Olympus' })).toThrow(/reportTimezone "Mars\/Olympus" is not an IANA time zone/);
    expect(synth({ sandboxUrl: SANDBOX_URL, webhookRetrySchedule: [5, -1] })).toThrow(/webhookRetrySchedule must be whole seconds/);
    expect(synth({ sandboxUrl: SANDBOX_URL, ordersPerSecond: 0 })).toThrow(/ordersPerSecond must be a whole number/);
  });

  it('sizes the API throttling from the peak order rate (-c ordersPerSecond)', () => {
    const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
    const sized = Template.fromStack(new OrdersStack(app, 'Sized', { sandbox: true, ordersPerSecond: 3000 }));
    const [stage] = Object.values(sized.findResources('AWS::ApiGatewayV2::Stage'));
    expect(stage!.Properties.RouteSettings['POST /orders']).toEqual({ ThrottlingRateLimit: 3000, ThrottlingBurstLimit: 6000 });
    expect(stage!.Properties.DefaultRouteSettings).toMatchObject({ ThrottlingRateLimit: 6000, ThrottlingBurstLimit: 12000 });
    // By default: the mission's peak, 1,200 orders a second.
    expect(throttling.routes['POST /orders']).toEqual({ rateLimit: 1200, burstLimit: 2400 });
  });

  it('passes the report time zone and the webhook schedule to the functions that use them', () => {
    const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
    const configured = Template.fromStack(new OrdersStack(app, 'Configured', { sandbox: true, reportTimezone: 'Europe/Berlin', webhookRetrySchedule: [1, 2] }));
    const env = (prefix: string) => Object.entries(configured.findResources('AWS::Lambda::Function')).find(([id]) => id.startsWith(prefix))![1].Properties.Environment.Variables;
    expect(env('reportsFunction').REPORT_TIMEZONE).toBe('Europe/Berlin');
    expect(env('webhooksWorker').WEBHOOK_RETRY_SCHEDULE_SECONDS).toBe('1,2');
    expect(env('docsFunction').SERVES_SANDBOX).toBe('true');
  });

  it('deploys the sandbox provider and carrier behind the same API only when asked (staging)', () => {
    const routeKeys = (t: Template) => Object.values(t.findResources('AWS::ApiGatewayV2::Route')).map((r) => r.Properties.RouteKey as string);
    expect(routeKeys(template).filter((key) => key.includes('/sandbox/'))).toEqual([]);
    const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
    const staging = Template.fromStack(new OrdersStack(app, 'Staging', { sandbox: true }));
    expect(routeKeys(staging).filter((key) => key.includes('/sandbox/')).sort()).toEqual(sandboxFunction.routes.map((r) => `${r.method} ${r.path}`).sort());
    // The payment worker reaches the sandbox at the API's own endpoint.
    const functions = Object.entries(staging.findResources('AWS::Lambda::Function'));
    const worker = functions.find(([id]) => id.startsWith('paymentWorker'))![1];
    expect(JSON.stringify(worker.Properties.Environment.Variables.SANDBOX_URL)).toContain('ApiEndpoint');
    expect(() => new OrdersStack(new App({ context: { 'aws:cdk:bundling-stacks': [] } }), 'Both', { sandbox: true, sandboxUrl: SANDBOX_URL })).toThrow(/not both/);
  });

  it('gives each real provider routed to one credentials secret, readable only by the functions that talk to providers', () => {
    const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
    const live = Template.fromStack(
      new OrdersStack(app, 'Live', { env: { account: '123456789012', region: 'eu-west-1' }, sandboxUrl: SANDBOX_URL, paymentProviders: { card: 'stripe', alipay: 'alipay', wechat_pay: 'wechatpay', paypal: 'paypal' } }),
    );
    const secrets = Object.keys(live.findResources('AWS::SecretsManager::Secret'));
    for (const name of ['AlipayCredentials', 'WechatpayCredentials', 'PaypalCredentials', 'StripeCredentials']) expect(secrets.some((id) => id.startsWith(name))).toBe(true);
    // Nothing routes to a real provider in the staging template: no credentials secrets there.
    expect(Object.keys(template.findResources('AWS::SecretsManager::Secret')).some((id) => id.includes('Credentials'))).toBe(false);

    const functions = Object.entries(live.findResources('AWS::Lambda::Function'));
    // The warehouse refunds the missing units of a SHIP_AVAILABLE shortage itself.
    const talksToProviders = ['paymentWorker', 'paymentWebhooks', 'compensationWorker', 'returnsWorker', 'orders', 'ops', 'reconciler', 'warehouse', 'orderOps'];
    for (const [id, fn] of functions) {
      const variables = Object.keys(fn.Properties.Environment?.Variables ?? {});
      const expected = talksToProviders.some((prefix) => id.startsWith(prefix));
      if (expected) expect(variables, id).toEqual(expect.arrayContaining(['PAYMENT_PROVIDERS', 'ALIPAY_CREDENTIALS_ARN', 'WECHATPAY_CREDENTIALS_ARN', 'PAYPAL_CREDENTIALS_ARN', 'STRIPE_CREDENTIALS_ARN']));
    }
    const readers = Object.values(live.findResources('AWS::IAM::Policy'))
      .filter((policy) => JSON.stringify(policy.Properties.PolicyDocument).includes('StripeCredentials'))
      .map((policy) => JSON.stringify(policy.Properties.Roles));
    expect(readers.length).toBeGreaterThan(0);
    for (const roles of readers) expect(talksToProviders.some((prefix) => roles.includes(prefix))).toBe(true);
    expect(readers.some((roles) => roles.includes('catalog') || roles.includes('shippingWorker') || roles.includes('carrierWebhooks'))).toBe(false);
  });

  it('gives Kuaidi100 a credentials secret only when a parcel goes through it, readable by the carrier-facing functions', () => {
    const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
    const viaKuaidi100 = Template.fromStack(new OrdersStack(app, 'Parcels', { sandboxUrl: SANDBOX_URL, carrier: 'shunfeng', carrierRules: [{ postalCodePrefix: '85', carrier: 'ems' }] }));
    expect(Object.keys(viaKuaidi100.findResources('AWS::SecretsManager::Secret')).some((id) => id.startsWith('Kuaidi100Credentials'))).toBe(true);
    expect(Object.keys(template.findResources('AWS::SecretsManager::Secret')).some((id) => id.startsWith('Kuaidi100Credentials'))).toBe(false);
    const functions = Object.entries(viaKuaidi100.findResources('AWS::Lambda::Function'));
    for (const prefix of ['shippingWorker', 'carrierWebhooks', 'reconciler', 'ops']) {
      const fn = functions.find(([id]) => id.startsWith(prefix))![1];
      expect(fn.Properties.Environment.Variables, prefix).toMatchObject({ CARRIER: 'shunfeng', CARRIER_RULES: '[{"postalCodePrefix":"85","carrier":"ems"}]', KUAIDI100_CREDENTIALS_ARN: expect.anything() });
    }
    const synth = (props: ConstructorParameters<typeof OrdersStack>[2]) => () => new OrdersStack(new App({ context: { 'aws:cdk:bundling-stacks': [] } }), 'Bad', props);
    expect(synth({ sandboxUrl: SANDBOX_URL, carrier: 'dhl' })).toThrow(/carrier "dhl" is not one of/);
    expect(synth({ sandboxUrl: SANDBOX_URL, carrierRules: [{ city: 'Lhasa', carrier: 'yunda' as never }] })).toThrow(/carrierRules: carrier "yunda"/);
  });

  it('has one on-demand table with PITR, TTL, deletion protection, encryption and both GSIs', () => {
    template.resourceCountIs('AWS::DynamoDB::Table', 1);
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      BillingMode: 'PAY_PER_REQUEST',
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
      DeletionProtectionEnabled: true,
      SSESpecification: { SSEEnabled: true },
      GlobalSecondaryIndexes: [Match.objectLike({ IndexName: 'gsi1' }), Match.objectLike({ IndexName: 'gsi2' }), Match.objectLike({ IndexName: 'gsi3' })],
    });
  });

  it('has a queue and a DLQ per stage (and a DLQ per stream reader), encrypted, with redrive', () => {
    template.resourceCountIs('AWS::SQS::Queue', stageQueues.length * 2 + streamFunctions.length);
    const queues = Object.values(template.findResources('AWS::SQS::Queue'));
    const withRedrive = queues.filter((q) => q.Properties.RedrivePolicy);
    expect(withRedrive).toHaveLength(stageQueues.length);
    for (const queue of withRedrive) expect(queue.Properties.RedrivePolicy.maxReceiveCount).toBe(5);
    for (const queue of queues) expect(queue.Properties.SqsManagedSseEnabled).toBe(true);
    // enforceSSL: a deny on aws:SecureTransport=false for every queue
    template.resourceCountIs('AWS::SQS::QueuePolicy', stageQueues.length * 2 + streamFunctions.length);
  });

  it('runs every function on Node 22, arm64, with tracing and source maps', () => {
    // Ours: not CDK's own custom-resource handlers (the console's upload and bucket clean-up).
    const functions = Object.entries(template.findResources('AWS::Lambda::Function'))
      .filter(([id, f]) => f.Properties.Runtime?.startsWith('nodejs') && !id.startsWith('Custom'))
      .map(([, f]) => f);
    expect(functions).toHaveLength(httpFunctions.length + stageQueues.length + scheduledFunctions.length + streamFunctions.length);
    for (const fn of functions) {
      expect(fn.Properties.Runtime).toBe('nodejs22.x');
      expect(fn.Properties.Architectures).toEqual(['arm64']);
      expect(fn.Properties.TracingConfig).toEqual({ Mode: 'Active' });
      expect(fn.Properties.Environment.Variables.NODE_OPTIONS).toBe('--enable-source-maps');
    }
  });

  it('alarms on every DLQ and runs the reconciler and the due-orders sweep on a schedule', () => {
    template.resourceCountIs('AWS::CloudWatch::Alarm', stageQueues.length + streamFunctions.length);
    template.allResourcesProperties('AWS::CloudWatch::Alarm', { MetricName: 'ApproximateNumberOfMessagesVisible', Threshold: 1 });
    template.hasResourceProperties('AWS::Events::Rule', { ScheduleExpression: 'rate(5 minutes)' });
    // Deadlines after the hand-over to the carrier (the execution has ended): every minute.
    template.hasResourceProperties('AWS::Events::Rule', { ScheduleExpression: 'rate(1 minute)' });
  });

  it('lets the operators redrive a DLQ with an SQS message move task', () => {
    const policies = Object.entries(template.findResources('AWS::IAM::Policy'));
    const opsPolicy = policies.find(([id]) => id.startsWith('opsFunction'));
    const statements: { Action: string | string[]; Resource: unknown }[] = opsPolicy![1].Properties.PolicyDocument.Statement;
    const moving = statements.filter((st) => [st.Action].flat().includes('sqs:StartMessageMoveTask'));
    expect(moving.length).toBeGreaterThan(0);
    for (const st of moving) {
      expect([st.Action].flat()).toEqual(expect.arrayContaining(['sqs:StartMessageMoveTask', 'sqs:ListMessageMoveTasks', 'sqs:CancelMessageMoveTask']));
      expect(JSON.stringify(st.Resource)).toMatch(/Dlq/);
    }
  });

  it('maps each stage queue to its worker with ReportBatchItemFailures', () => {
    const mappings = Object.values(template.findResources('AWS::Lambda::EventSourceMapping'));
    const fromQueues = mappings.filter((m) => !m.Properties.StartingPosition);
    expect(fromQueues).toHaveLength(stageQueues.length);
    for (const mapping of fromQueues) expect(mapping.Properties).toMatchObject({ FunctionResponseTypes: ['ReportBatchItemFailures'], BatchSize: 10 });
  });

  it('feeds the event publisher and the workflow driver from the table stream: both images, filtered, failures parked', () => {
    const [table] = Object.values(template.findResources('AWS::DynamoDB::Table'));
    expect(table!.Properties.StreamSpecification).toEqual({ StreamViewType: 'NEW_AND_OLD_IMAGES' });
    const mappings = Object.values(template.findResources('AWS::Lambda::EventSourceMapping')).filter((m) => m.Properties.StartingPosition);
    expect(mappings).toHaveLength(2);
    const of = (id: string) => mappings.find((m) => JSON.stringify(m.Properties.FunctionName).includes(`${id}Function`))!.Properties;
    for (const id of ['eventPublisher', 'workflowDriver']) {
      expect(of(id), id).toMatchObject({ StartingPosition: 'TRIM_HORIZON', BisectBatchOnFunctionError: true, MaximumRetryAttempts: 10, FunctionResponseTypes: ['ReportBatchItemFailures'], BatchSize: 100 });
      expect(of(id).DestinationConfig.OnFailure.Destination, id).toBeDefined();
    }
    const patterns = (id: string) => of(id).FilterCriteria.Filters.map((f: { Pattern: string }) => JSON.parse(f.Pattern));
    expect(patterns('eventPublisher').map((p: { dynamodb: { Keys: { pk: { S: { prefix: string }[] } } } }) => p.dynamodb.Keys.pk.S[0]!.prefix)).toEqual(['ORDER#', 'RETURN#', 'PRODUCT#', 'STOCK#']);
    // The driver sees new orders (to start them) and changes of orders and returns with a task token (to answer the task).
    expect(patterns('workflowDriver')).toEqual([
      { eventName: ['INSERT'], dynamodb: { Keys: { pk: { S: [{ prefix: 'ORDER#' }] } } } },
      { eventName: ['MODIFY'], dynamodb: { Keys: { pk: { S: [{ prefix: 'ORDER#' }] } }, NewImage: { taskToken: { S: [{ exists: true }] } } } },
      { eventName: ['MODIFY'], dynamodb: { Keys: { pk: { S: [{ prefix: 'RETURN#' }] } }, NewImage: { taskToken: { S: [{ exists: true }] } } } },
    ]);
  });

  it('routes every API.md route, with the JWT authorizer where a token is required', () => {
    const routes = Object.values(template.findResources('AWS::ApiGatewayV2::Route'));
    const declared = httpFunctions.flatMap((fn) => fn.routes);
    expect(routes.map((r) => r.Properties.RouteKey).sort()).toEqual(declared.map((r) => `${r.method} ${r.path}`).sort());
    for (const route of routes) {
      const spec = declared.find((r) => `${r.method} ${r.path}` === route.Properties.RouteKey)!;
      expect(route.Properties.AuthorizationType).toBe(spec.auth === 'jwt' ? 'JWT' : 'NONE');
    }
    template.hasResourceProperties('AWS::ApiGatewayV2::Authorizer', {
      AuthorizerType: 'JWT',
      IdentitySource: ['$request.header.Authorization'],
      // The web client and the operators' console.
      JwtConfiguration: { Issuer: Match.anyValue(), Audience: [Match.anyValue(), Match.anyValue()] },
    });
    template.resourceCountIs('AWS::Cognito::UserPoolGroup', 2);
  });

  it('builds the state machine from the ASL file with substitutions, logging and tracing', () => {
    const machines = template.findResources('AWS::StepFunctions::StateMachine');
    const machine = Object.entries(machines).find(([id]) => id.startsWith('OrderLifecycle'))![1];
    expect(machine.Properties.StateMachineType).toBe('STANDARD');
    expect(Object.keys(machine.Properties.DefinitionSubstitutions).sort()).toEqual(queuesOf('orders').map((q) => q.substitution).sort());
    // Returns run in their own workflow, on their own queue.
    const returns = Object.entries(machines).find(([id]) => id.startsWith('ReturnLifecycle'))![1];
    expect(Object.keys(returns.Properties.DefinitionSubstitutions)).toEqual(['ReturnsQueueUrl']);
    expect(returns.Properties.LoggingConfiguration).toMatchObject({ Level: 'ALL', IncludeExecutionData: false });
    expect(machine.Properties.TracingConfiguration).toEqual({ Enabled: true });
    expect(machine.Properties.LoggingConfiguration).toMatchObject({ Level: 'ALL', IncludeExecutionData: false });
  });

  it('grants the state machine only sqs:SendMessage on the stage queues (plus logging and tracing)', () => {
    const policies = Object.values(template.findResources('AWS::IAM::Policy')).filter((p) =>
      p.Properties.Roles.some((r: { Ref: string }) => r.Ref.startsWith('OrderLifecycleRole')),
    );
    const statements = policies.flatMap((p) => p.Properties.PolicyDocument.Statement);
    const actions = new Set(statements.flatMap((s: { Action: string | string[] }) => [s.Action].flat()));
    for (const action of actions) expect(action).toMatch(/^(sqs:SendMessage|sqs:GetQueueAttributes|sqs:GetQueueUrl|xray:|logs:)/);
    const sqsStatements = statements.filter((s: { Action: string | string[] }) => [s.Action].flat().some((a) => a.startsWith('sqs:')));
    expect(sqsStatements).toHaveLength(queuesOf('orders').length);
  });

  it('keeps webhook secrets in Secrets Manager and lets only the webhook functions read them', () => {
    template.resourceCountIs('AWS::SecretsManager::Secret', 2);
    const readers = Object.values(template.findResources('AWS::IAM::Policy')).filter((p) =>
      p.Properties.PolicyDocument.Statement.some((s: { Action: string | string[] }) => [s.Action].flat().includes('secretsmanager:GetSecretValue')),
    );
    expect(readers).toHaveLength(2);
  });

  it('grants each function exactly the table actions and indexes it uses, and no wildcard but X-Ray', () => {
    const policies = template.findResources('AWS::IAM::Policy');
    const functions: { logicalPrefix: string; id: string; table?: TableAccess; needs: string[] }[] = [
      ...httpFunctions.map((f) => ({ logicalPrefix: `${f.id}Function`, id: f.id, table: f.table, needs: f.needs ?? [] })),
      ...stageQueues.map((q) => ({ logicalPrefix: `${q.id}Worker`, id: q.id, table: q.table, needs: q.needs ?? [] })),
      ...scheduledFunctions.map((f) => ({ logicalPrefix: `${f.id}Function`, id: f.id, table: f.table, needs: f.needs ?? [] })),
      // Stream readers also read the stream (what the event source mapping needs, on the stream's ARN only).
      ...streamFunctions.map((f) => ({
        logicalPrefix: `${f.id}Function`,
        id: f.id,
        table: { ...f.table, actions: [...(f.table?.actions ?? []), 'ListStreams', 'DescribeStream', 'GetRecords', 'GetShardIterator'] as TableAccess['actions'] },
        needs: f.needs ?? [],
      })),
    ];
    const tableRef = Object.keys(template.findResources('AWS::DynamoDB::Table'))[0]!;
    for (const fn of functions) {
      const entry = Object.entries(policies).find(([logicalId]) => logicalId.startsWith(`${fn.logicalPrefix}ServiceRoleDefaultPolicy`));
      const statements: { Action: string | string[]; Resource: unknown }[] = entry ? entry[1].Properties.PolicyDocument.Statement : [];
      const actionsOf = (prefix: string) => statements.flatMap((st) => [st.Action].flat()).filter((a) => a.startsWith(prefix)).sort();

      expect(actionsOf('dynamodb:'), fn.id).toEqual((fn.table?.actions ?? []).map((a) => `dynamodb:${a}`).sort());
      // dynamodb:ListStreams supports no resource (AWS): the one table action on "*".
      const dynamo = statements.filter((st) => [st.Action].flat().some((a) => a.startsWith('dynamodb:') && a !== 'dynamodb:ListStreams'));
      for (const st of dynamo) {
        const resources = JSON.stringify(st.Resource);
        expect(resources, fn.id).toContain(tableRef);
        expect(resources, fn.id).not.toContain('index/*');
        if (resources.includes('StreamArn')) continue; // the stream's own grant
        for (const index of fn.table?.indexes ?? []) expect(resources, fn.id).toContain(`/index/${index}`);
      }
      if (!fn.needs.includes('stateMachine') && !fn.needs.includes('stateMachineArns')) expect(actionsOf('states:'), fn.id).toEqual([]);
      // Orders' tasks are answered from the change stream: whoever writes a decision (a webhook, a cancel) holds no Step Functions grant for it.
      expect(actionsOf('states:').includes('states:SendTaskSuccess'), fn.id).toBe(fn.needs.includes('stateMachine'));
      if (['orders', 'paymentWebhooks', 'carrierWebhooks', 'warehouse'].includes(fn.id)) expect(actionsOf('states:'), fn.id).toEqual([]);
      // New orders' executions start from the change stream, not from the request that placed them.
      const canStart = ['workflowDriver', 'ops', 'reconciler', 'orderOps'].includes(fn.id);
      expect(actionsOf('states:').includes('states:StartExecution'), fn.id).toBe(canStart);
      const readsSecrets = fn.needs.includes('paymentWebhookSecret') || fn.needs.includes('carrierWebhookSecret');
      expect(actionsOf('secretsmanager:').length > 0, fn.id).toBe(readsSecrets);
      for (const st of statements) {
        if (st.Resource === '*') for (const action of [st.Action].flat()) expect(action, fn.id).toMatch(/^(xray:|dynamodb:ListStreams$)/);
      }
    }
  });

  it('throttles the API (stage default and per route) and writes access logs without bodies', () => {
    template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      StageName: '$default',
      DefaultRouteSettings: { ThrottlingRateLimit: throttling.default.rateLimit, ThrottlingBurstLimit: throttling.default.burstLimit },
      RouteSettings: Object.fromEntries(
        Object.entries(throttling.routes).map(([key, t]) => [key, { ThrottlingRateLimit: t.rateLimit, ThrottlingBurstLimit: t.burstLimit }]),
      ),
      AccessLogSettings: { DestinationArn: Match.anyValue(), Format: Match.stringLikeRegexp('requestId') },
    });
    const [stage] = Object.values(template.findResources('AWS::ApiGatewayV2::Stage'));
    expect(stage!.Properties.AccessLogSettings.Format).not.toMatch(/body|header|authorizer/i);
  });

  it('creates every route before the stage whose throttling names it (else CloudFormation fails: "Unable to find Route by key")', () => {
    const [stage] = Object.values(template.findResources('AWS::ApiGatewayV2::Stage'));
    const routes = Object.keys(template.findResources('AWS::ApiGatewayV2::Route'));
    expect(routes.length).toBeGreaterThan(0);
    expect([...(stage!.DependsOn ?? [])].sort()).toEqual(expect.arrayContaining(routes.sort()));
  });

  it('lets browsers call the API (CORS), exposing the headers API.md names', () => {
    template.hasResourceProperties('AWS::ApiGatewayV2::Api', {
      CorsConfiguration: Match.objectLike({
        AllowOrigins: ['*'],
        AllowHeaders: Match.arrayWith(['authorization', 'content-type', 'idempotency-key']),
        ExposeHeaders: Match.arrayWith(['location', 'idempotent-replayed', 'retry-after']),
      }),
    });
    const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
    const narrow = Template.fromStack(new OrdersStack(app, 'Narrow', { sandboxUrl: SANDBOX_URL, corsOrigins: ['https://shop.example.com'] }));
    // The configured origins, and the operators' console's.
    narrow.hasResourceProperties('AWS::ApiGatewayV2::Api', { CorsConfiguration: Match.objectLike({ AllowOrigins: ['https://shop.example.com', Match.anyValue()] }) });
  });

  it('gives every stage queue at least six times its function timeout as visibility timeout', () => {
    const functions = template.findResources('AWS::Lambda::Function');
    const queues = template.findResources('AWS::SQS::Queue');
    const mappings = Object.values(template.findResources('AWS::Lambda::EventSourceMapping')).filter((m) => !m.Properties.StartingPosition);
    expect(mappings).toHaveLength(stageQueues.length);
    for (const mapping of mappings) {
      const fn = functions[mapping.Properties.FunctionName.Ref]!;
      const queue = queues[mapping.Properties.EventSourceArn['Fn::GetAtt'][0]]!;
      expect(queue.Properties.VisibilityTimeout).toBeGreaterThanOrEqual(6 * fn.Properties.Timeout);
    }
  });

  it('serves the operators’ console from a private bucket through CloudFront (OAC), signing in by code with PKCE', () => {
    template.hasResourceProperties('AWS::S3::Bucket', { PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true } });
    template.resourceCountIs('AWS::CloudFront::OriginAccessControl', 1);
    template.hasResourceProperties('AWS::CloudFront::Distribution', { DistributionConfig: Match.objectLike({ DefaultRootObject: 'console/index.html', Logging: Match.anyValue() }) });
    const clients = Object.values(template.findResources('AWS::Cognito::UserPoolClient'));
    const consoleClient = clients.find((c) => c.Properties.AllowedOAuthFlows?.includes('code'))!;
    expect(consoleClient.Properties).toMatchObject({ AllowedOAuthFlows: ['code'], GenerateSecret: false });
    expect(JSON.stringify(consoleClient.Properties.CallbackURLs)).toContain('/console/');
    template.resourceCountIs('AWS::Cognito::UserPoolDomain', 1);
    template.resourceCountIs('Custom::CDKBucketDeployment', 1);
  });

  it('offers no implicit flow and no placeholder callback URLs on the Cognito client', () => {
    const [client] = Object.values(template.findResources('AWS::Cognito::UserPoolClient'));
    expect(client!.Properties.AllowedOAuthFlows ?? []).not.toContain('implicit');
    expect(JSON.stringify(client!.Properties)).not.toContain('example.com');
    expect(client!.Properties.GenerateSecret).toBe(false);
    const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
    const hosted = Template.fromStack(new OrdersStack(app, 'Hosted', { sandboxUrl: SANDBOX_URL, callbackUrls: ['https://shop.example.com/callback'] }));
    hosted.hasResourceProperties('AWS::Cognito::UserPoolClient', { AllowedOAuthFlows: ['code'], CallbackURLs: ['https://shop.example.com/callback'] });
  });
});


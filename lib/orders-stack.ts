/**
 * The AWS deployment, built from the same topology as the local stack: HTTP API
 * with a Cognito JWT authorizer, one function per route group and per stage queue,
 * the table, a queue (with DLQ) per workflow stage, the state machine from the ASL
 * file, webhook secrets in Secrets Manager. Grants are per function, per need.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ArnFormat, AssetHashType, CfnOutput, DockerImage, Duration, RemovalPolicy, Stack, Token, Validations, type StackProps } from 'aws-cdk-lib';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { Alarm, ComparisonOperator, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { Rule, Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import { CfnStage, CorsHttpMethod, HttpApi, HttpMethod, HttpStage, LogGroupLogDestination, type IHttpRouteAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import { HttpJwtAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import { CfnUserPoolGroup, Mfa, OAuthScope, UserPool, UserPoolClient } from 'aws-cdk-lib/aws-cognito';
import { AttributeType, BillingMode, StreamViewType, Table, TableEncryption } from 'aws-cdk-lib/aws-dynamodb';
import { Architecture, Code, FilterCriteria, FilterRule, Function as LambdaFunctionBase, Runtime, StartingPosition, Tracing } from 'aws-cdk-lib/aws-lambda';
import { DynamoEventSource, SqsDlq, SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { CfnStateMachine, DefinitionBody, LogLevel, StateMachine, StateMachineType } from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct, IConstruct } from 'constructs';
import { ConsoleSite } from './console-site.js';
import { bundleFunctionSync } from './function-bundling.js';
import { configurationProblems, paymentRouting, realProviders, usesKuaidi100, type DeploymentConfiguration } from './configuration.js';
import { FUNCTION_TIMEOUT_SECONDS, MOVE_TASK_ACTIONS, STREAM_RETRY_ATTEMPTS, deadlineVariables, functionEnvironment, workflowActions, httpFunctions, sandboxFunction, scheduledFunctions, stageQueues, streamFunctions, stateMachine as machineSpec, returnStateMachine as returnMachineSpec, queuesOf, table as tableSpec, throttlingFor, DEFAULT_ORDERS_PER_SECOND, type HttpFunction, type TableAccess } from './topology.js';

const root = (path: string) => fileURLToPath(new URL(`../${path}`, import.meta.url));

/** The deployment's settings (CDK context, see README "Deploying"), checked by lib/configuration.ts. */
export interface OrdersStackProps extends StackProps, DeploymentConfiguration {
  /** Deadline settings (seconds) passed to the functions, e.g. PAYMENT_TIMEOUT_SECONDS. */
  deadlines?: Partial<Record<(typeof deadlineVariables)[number], number>>;
}

/**
 * Fixes the defaults of every function once: Node 22 on arm64, ESM, minified, source
 * maps, tracing. Bundled by lib/function-bundling.ts (esbuild with code splitting, so
 * lazily imported code is not parsed at a cold start), hashed by the bundle's output.
 */
class OrdersFunction extends LambdaFunctionBase {
  constructor(scope: Construct, id: string, entry: string, environment: Record<string, string>) {
    super(scope, id, {
      code: Code.fromAsset(root(''), {
        assetHashType: AssetHashType.OUTPUT,
        bundling: {
          // Never pulled: local bundling always succeeds or throws (esbuild is a dependency).
          image: DockerImage.fromRegistry('local-esbuild-only'),
          // Names the entry in the bundling options: CDK stages an asset once per source and
          // options, and the `tryBundle` function below is not part of them (without this,
          // every function got the first one's bundle; test/infra/bundles.test.ts).
          environment: { FUNCTION_ENTRY: entry },
          local: {
            tryBundle(outputDir) {
              bundleFunctionSync(root(entry), outputDir, { target: 'node22', sourcemap: true });
              return true;
            },
          },
        },
      }),
      handler: 'index.handler',
      runtime: Runtime.NODEJS_22_X,
      architecture: Architecture.ARM_64,
      memorySize: 512,
      timeout: Duration.seconds(FUNCTION_TIMEOUT_SECONDS),
      tracing: Tracing.ACTIVE,
      logGroup: new LogGroup(scope, `${id}Logs`, { retention: RetentionDays.ONE_MONTH, removalPolicy: RemovalPolicy.DESTROY }),
      environment: { NODE_OPTIONS: '--enable-source-maps', POWERTOOLS_SERVICE_NAME: 'orders', ...environment },
    });
  }
}

/** Acknowledges cdk-nag findings on a construct: rule id -> why it is acceptable here. */
function acknowledge(scope: IConstruct, reasons: Record<string, string>): void {
  for (const [id, reason] of Object.entries(reasons)) Validations.of(scope).acknowledge({ id, reason });
}

/** What every function's role carries from CDK, with why it is acceptable. */
function acknowledgeLambdaBasics(fn: LambdaFunctionBase): void {
  acknowledge(fn, {
    'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]':
      'AWSLambdaBasicExecutionRole grants only CreateLogStream/PutLogEvents for the function\'s own logs.',
    'AwsSolutions-IAM5[Resource::*]': 'xray:PutTraceSegments and PutTelemetryRecords (active tracing) support no resource-level permissions.',
    'AwsSolutions-L1':
      'nodejs22.x is the runtime the project targets (Active LTS, the version the local stack is tested on); moving up is a deliberate change.',
  });
}

export class OrdersStack extends Stack {
  constructor(scope: Construct, id: string, props: OrdersStackProps = {}) {
    const problems = configurationProblems(props);
    if (problems.length) throw new Error(`This configuration cannot be deployed:\n- ${problems.join('\n- ')}`);
    super(scope, id, props);

    const table = new Table(this, tableSpec.id, {
      partitionKey: { name: tableSpec.partitionKey, type: AttributeType.STRING },
      sortKey: { name: tableSpec.sortKey, type: AttributeType.STRING },
      billingMode: BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      deletionProtection: true,
      timeToLiveAttribute: tableSpec.ttlAttribute,
      stream: StreamViewType[tableSpec.stream],
      encryption: TableEncryption.AWS_MANAGED,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    for (const index of tableSpec.indexes) {
      table.addGlobalSecondaryIndex({
        indexName: index.name,
        partitionKey: { name: index.partitionKey, type: AttributeType.STRING },
        sortKey: { name: index.sortKey, type: AttributeType.STRING },
      });
    }

    const queues = new Map<string, Queue>();
    const deadLetterQueues = new Map<string, Queue>();
    for (const spec of stageQueues) {
      const dlq = new Queue(this, `${spec.id}Dlq`, {
        retentionPeriod: Duration.days(14),
        encryption: QueueEncryption.SQS_MANAGED,
        enforceSSL: true,
      });
      deadLetterQueues.set(spec.id, dlq);
      // Any message in a DLQ is an order that stopped moving: page someone.
      new Alarm(this, `${spec.id}DlqAlarm`, {
        alarmDescription: `Messages of the ${spec.id} stage failed ${spec.maxReceiveCount} times; see GET /ops/dead-letters.`,
        metric: dlq.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(1) }),
        threshold: 1,
        evaluationPeriods: 1,
        comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      });
      queues.set(
        spec.id,
        new Queue(this, `${spec.id}Queue`, {
          visibilityTimeout: Duration.seconds(spec.visibilityTimeoutSeconds),
          deadLetterQueue: { queue: dlq, maxReceiveCount: spec.maxReceiveCount },
          encryption: QueueEncryption.SQS_MANAGED,
          enforceSSL: true,
        }),
      );
    }

    /** A workflow from its ASL file: its queues' URLs substituted, its only calls sending to them, logged and traced. */
    const workflow = (spec: { id: string; definitionFile: string }, sends: 'orders' | 'returns') => {
      const built = new StateMachine(this, spec.id, {
        stateMachineType: StateMachineType.STANDARD,
        // fromString, not fromFile: the definition stays in the template (assertable), not an S3 asset.
        definitionBody: DefinitionBody.fromString(readFileSync(root(spec.definitionFile), 'utf8')),
        definitionSubstitutions: Object.fromEntries(queuesOf(sends).map((q) => [q.substitution!, queues.get(q.id)!.queueUrl])),
        tracingEnabled: true,
        logs: {
          destination: new LogGroup(this, `${spec.id}Logs`, { retention: RetentionDays.ONE_MONTH, removalPolicy: RemovalPolicy.DESTROY }),
          level: LogLevel.ALL,
          // Execution data holds only ids and deadlines, but keep logs to the transitions.
          includeExecutionData: false,
        },
      });
      for (const q of queuesOf(sends)) queues.get(q.id)!.grantSendMessages(built);
      acknowledge(built, {
        'AwsSolutions-IAM5[Resource::*]': 'Only the X-Ray and CloudWatch Logs delivery actions that tracing and logging need, which support no resource-level permissions.',
      });
      return built;
    };
    const machine = workflow(machineSpec, 'orders');
    // Returns run in their own workflow, of the same shape (callback tasks with deadlines).
    const returnMachine = workflow(returnMachineSpec, 'returns');

    const paymentSecret = new Secret(this, 'PaymentWebhookSecret', {
      description: 'Standard Webhooks secret (whsec_...) of the payment provider; set it to the value the provider shows.',
    });
    const carrierSecret = new Secret(this, 'CarrierWebhookSecret', {
      description: 'Standard Webhooks secret (whsec_...) of the carrier; set it to the value the carrier shows.',
    });
    // One JSON secret per real provider routed to (README "Payment providers" lists its fields).
    const credentialSecrets = new Map(
      realProviders(props).map((name) => [
        name,
        new Secret(this, `${name.charAt(0).toUpperCase()}${name.slice(1)}Credentials`, {
          description: `Credentials of ${name} (JSON, fields in the README "Payment providers"); set it from the provider's merchant console.`,
        }),
      ]),
    );
    const kuaidi100Secret = usesKuaidi100(props)
      ? new Secret(this, 'Kuaidi100Credentials', { description: 'Credentials of Kuaidi100 (JSON: key, secret, customer, salt, callbackUrl, sender; README "Carriers").' })
      : undefined;
    for (const secret of [paymentSecret, carrierSecret, ...credentialSecrets.values(), ...(kuaidi100Secret ? [kuaidi100Secret] : [])]) {
      acknowledge(secret, {
        'AwsSolutions-SMG4':
          'Issued by the provider or carrier (webhook secrets, API credentials), not by us: rotation is their console plus a second key or secret here (README, Security and Payment providers).',
      });
    }

    const userPool = new UserPool(this, 'Users', {
      selfSignUpEnabled: true,
      signInAliases: { email: true },
      passwordPolicy: { minLength: 12, requireDigits: true, requireLowercase: true, requireUppercase: true, requireSymbols: true },
      mfa: Mfa.OPTIONAL,
      mfaSecondFactor: { otp: true, sms: false },
      removalPolicy: RemovalPolicy.RETAIN,
    });
    acknowledge(userPool, {
      'AwsSolutions-COG2':
        'Shoppers sign in without a second factor (conversion); MFA is offered (TOTP) and operators should enable it: Cognito cannot require MFA per group.',
      'AwsSolutions-COG8':
        'The Plus feature plan (threat protection) is a per-user cost decision left to the deployer; the API is throttled and JWT-checked regardless.',
    });
    for (const group of ['ops', 'warehouse']) new CfnUserPoolGroup(this, `${group}Group`, { userPoolId: userPool.userPoolId, groupName: group });
    // No implicit flow and no placeholder callbacks (CDK's defaults): the authorization code
    // flow with PKCE only to the configured callback URLs, or no hosted sign-in at all.
    const client = new UserPoolClient(this, 'WebClient', {
      userPool,
      authFlows: { userSrp: true },
      generateSecret: false,
      preventUserExistenceErrors: true,
      ...(props.callbackUrls?.length
        ? { oAuth: { flows: { authorizationCodeGrant: true, implicitCodeGrant: false }, scopes: [OAuthScope.OPENID, OAuthScope.EMAIL], callbackUrls: props.callbackUrls } }
        : { disableOAuth: true }),
    });
    const issuer = `https://cognito-idp.${this.region}.amazonaws.com/${userPool.userPoolId}`;
    // The operators' console (S3 + CloudFront, Hosted UI sign-in with PKCE through its own app client).
    const consoleSite = new ConsoleSite(this, 'Console', { userPool, domainPrefix: props.consoleDomainPrefix ?? `orders-console-${this.account}` });
    const authorizer: IHttpRouteAuthorizer = new HttpJwtAuthorizer('Cognito', issuer, { jwtAudience: [client.userPoolClientId, consoleSite.client.userPoolClientId] });

    const api = new HttpApi(this, 'Api', {
      description: 'Orders API (see API.md)',
      createDefaultStage: false,
      // Browsers call the API with bearer tokens, never cookies: any configured origin may.
      corsPreflight: {
        allowOrigins: props.corsOrigins?.length ? [...props.corsOrigins, consoleSite.origin] : ['*'],
        allowMethods: [CorsHttpMethod.GET, CorsHttpMethod.POST, CorsHttpMethod.PUT, CorsHttpMethod.DELETE],
        allowHeaders: ['authorization', 'content-type', 'idempotency-key'],
        exposeHeaders: ['location', 'idempotent-replayed', 'retry-after'],
        maxAge: Duration.hours(1),
      },
    });
    // The sandbox answers at the API's own address when deployed with it (the Api, not the
    // stage: the stage depends on the routes, which depend on the functions).
    const sandboxUrl = props.sandbox ? api.apiEndpoint : props.sandboxUrl;

    const environmentFor = (needs: HttpFunction['needs'] = []): Record<string, string> =>
      functionEnvironment(needs, {
        tableName: table.tableName,
        stateMachineArn: machine.stateMachineArn,
        returnStateMachineArn: returnMachine.stateMachineArn,
        paymentProviders: JSON.stringify(paymentRouting(props)),
        providerCredentials: [...credentialSecrets].map(([name, secret]) => [`${name.toUpperCase()}_CREDENTIALS_ARN`, secret.secretArn]),
        carrier: props.carrier ?? 'sandbox',
        carrierRules: JSON.stringify(props.carrierRules ?? []),
        carrierCredentials: kuaidi100Secret ? [['KUAIDI100_CREDENTIALS_ARN', kuaidi100Secret.secretArn]] : [],
        sandboxUrl,
        servesSandbox: Boolean(props.sandbox),
        paymentWebhookSecret: ['PAYMENT_WEBHOOK_SECRET_ARN', paymentSecret.secretArn],
        carrierWebhookSecret: ['CARRIER_WEBHOOK_SECRET_ARN', carrierSecret.secretArn],
        jwt: { issuer, audience: client.userPoolClientId },
        queues: Object.fromEntries(stageQueues.map((spec) => [spec.id, { url: queues.get(spec.id)!.queueUrl, dlqUrl: deadLetterQueues.get(spec.id)!.queueUrl }])),
        common: {
          ...Object.fromEntries(Object.entries(props.deadlines ?? {}).map(([name, value]) => [name, String(value)])),
          ...(props.shortageResolution ? { SHORTAGE_RESOLUTION: props.shortageResolution } : {}),
          ...(props.reportTimezone ? { REPORT_TIMEZONE: props.reportTimezone } : {}),
          ...(props.webhookRetrySchedule ? { WEBHOOK_RETRY_SCHEDULE_SECONDS: props.webhookRetrySchedule.join(',') } : {}),
        },
      });
    const grant = (fn: LambdaFunctionBase, id: string, needs: HttpFunction['needs'] = [], access?: TableAccess) => {
      if (access) {
        fn.addToRolePolicy(
          new PolicyStatement({
            actions: access.actions.map((action) => `dynamodb:${action}`),
            resources: [table.tableArn, ...(access.indexes ?? []).map((index) => `${table.tableArn}/index/${index}`)],
          }),
        );
      }
      acknowledgeLambdaBasics(fn);
      if (needs.includes('stateMachine')) {
        machine.grantTaskResponse(fn);
        returnMachine.grantTaskResponse(fn);
      }
      const workflow = workflowActions(id, needs);
      if (workflow.includes('StartExecution')) {
        machine.grantStartExecution(fn);
        returnMachine.grantStartExecution(fn);
      }
      if (workflow.includes('DescribeExecution')) {
        // Only DescribeExecution, on this machine's executions (one per order, hence the wildcard).
        const executions = this.formatArn({ service: 'states', resource: 'execution', resourceName: `${machine.stateMachineName}:*`, arnFormat: ArnFormat.COLON_RESOURCE_NAME });
        fn.addToRolePolicy(new PolicyStatement({ actions: workflow.filter((a) => ['DescribeExecution', 'GetExecutionHistory', 'RedriveExecution'].includes(a)).map((a) => `states:${a}`), resources: [executions] }));
        // cdk-nag names the finding by the rendered ARN; in an environment-agnostic
        // synth (no account or region) it cannot be named, and nag does not run there.
        if (!Token.isUnresolved(this.account) && !Token.isUnresolved(this.region)) {
          const machineId = this.getLogicalId(machine.node.defaultChild as CfnStateMachine);
          acknowledge(fn, {
            [`AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:states:${this.region}:${this.account}:execution:<${machineId}.Name>:*]`]:
              'DescribeExecution (and, for operators, GetExecutionHistory and RedriveExecution) on this state machine\'s executions: one execution per order, so their ARNs end in a wildcard.',
          });
        }
      }
      if (needs.includes('stageQueues')) {
        for (const dlq of deadLetterQueues.values()) {
          dlq.grantConsumeMessages(fn);
          // Redrive by an SQS message move task (the DLQ is its source; sending to the stage queue is granted below).
          dlq.grant(fn, ...MOVE_TASK_ACTIONS.map((action) => `sqs:${action}`));
        }
        for (const queue of queues.values()) queue.grantSendMessages(fn);
      }
      if (needs.includes('eventDeliveries')) queues.get('webhooks')!.grantSendMessages(fn);
      if (needs.includes('paymentWebhookSecret')) paymentSecret.grantRead(fn);
      if (needs.includes('carrierWebhookSecret')) carrierSecret.grantRead(fn);
      if (needs.includes('paymentProvider')) for (const secret of credentialSecrets.values()) secret.grantRead(fn);
      if (needs.includes('carrier')) kuaidi100Secret?.grantRead(fn);
    };

    const throttling = throttlingFor(props.ordersPerSecond ?? DEFAULT_ORDERS_PER_SECOND);
    const stage = new HttpStage(this, 'DefaultStage', {
      httpApi: api,
      stageName: '$default',
      autoDeploy: true,
      throttle: throttling.default,
      accessLogSettings: {
        destination: new LogGroupLogDestination(new LogGroup(this, 'ApiAccessLogs', { retention: RetentionDays.ONE_MONTH, removalPolicy: RemovalPolicy.DESTROY })),
        // No request bodies, no headers: nothing personal reaches the access log.
        format: AccessLogFormat.custom(
          JSON.stringify({ requestId: '$context.requestId', routeKey: '$context.routeKey', status: '$context.status', ip: '$context.identity.sourceIp', latency: '$context.responseLatency', time: '$context.requestTime' }),
        ),
      },
    });
    // Per-route limits. RouteSettings is free-form JSON in CloudFormation: its keys keep their CloudFormation case.
    (stage.node.defaultChild as CfnStage).routeSettings = Object.fromEntries(
      Object.entries(throttling.routes).map(([routeKey, limit]) => [routeKey, { ThrottlingRateLimit: limit.rateLimit, ThrottlingBurstLimit: limit.burstLimit }]),
    );
    for (const spec of props.sandbox ? [...httpFunctions, sandboxFunction] : httpFunctions) {
      const fn = new OrdersFunction(this, `${spec.id}Function`, spec.entry, environmentFor(spec.needs));
      grant(fn, spec.id, spec.needs, spec.table);
      const integration = new HttpLambdaIntegration(`${spec.id}Integration`, fn);
      for (const route of spec.routes) {
        const [added] = api.addRoutes({
          path: route.path,
          methods: [HttpMethod[route.method]],
          integration,
          authorizer: route.auth === 'jwt' ? authorizer : undefined,
        });
        // The stage's per-route throttling names these routes: CloudFormation must create them first.
        stage.node.addDependency(added!);
        if (route.auth === 'none') {
          acknowledge(added!, {
            'AwsSolutions-APIG4': route.path.startsWith('/sandbox/')
              ? `${route.method} ${route.path} belongs to the staging sandbox (-c sandbox=true): public, as the provider and carrier it stands for.`
              : `${route.method} ${route.path} is public by contract (API.md): health, catalog reads, the API's documentation, or a webhook authenticated by its signature in the function.`,
          });
        }
      }
    }

    for (const spec of stageQueues) {
      const fn = new OrdersFunction(this, `${spec.id}Worker`, spec.worker, environmentFor(spec.needs));
      grant(fn, spec.id, spec.needs, spec.table);
      fn.addEventSource(new SqsEventSource(queues.get(spec.id)!, { batchSize: spec.batchSize, reportBatchItemFailures: true }));
    }

    // The change stream's readers: retried with the batch split on errors; a change that still
    // fails is parked in a DLQ (with its position in the stream) rather than blocking its shard.
    for (const spec of streamFunctions) {
      const fn = new OrdersFunction(this, `${spec.id}Function`, spec.entry, environmentFor(spec.needs));
      grant(fn, spec.id, spec.needs, spec.table);
      acknowledge(fn, {
        'AwsSolutions-IAM5[Resource::*]': 'X-Ray (tracing) and dynamodb:ListStreams (the stream event source), which support no resource-level permissions.',
      });
      const failed = new Queue(this, `${spec.id}Dlq`, { retentionPeriod: Duration.days(14), encryption: QueueEncryption.SQS_MANAGED, enforceSSL: true });
      acknowledge(failed, { 'AwsSolutions-SQS3': 'This is the dead-letter destination itself (the stream event source\'s on-failure queue), not a queue that needs one.' });
      new Alarm(this, `${spec.id}DlqAlarm`, {
        alarmDescription: `Changes the ${spec.id} could not process after retries: ${spec.whenParked}`,
        metric: failed.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(1) }),
        threshold: 1,
        evaluationPeriods: 1,
        comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      });
      fn.addEventSource(
        new DynamoEventSource(table, {
          startingPosition: StartingPosition.TRIM_HORIZON,
          batchSize: spec.batchSize,
          bisectBatchOnError: true,
          retryAttempts: STREAM_RETRY_ATTEMPTS,
          reportBatchItemFailures: true,
          onFailure: new SqsDlq(failed),
          // Only the changes the function reads (Lambda event filtering: no invocation for the rest).
          filters: spec.filters.map((filter) =>
            FilterCriteria.filter({
              ...(filter.eventName ? { eventName: FilterRule.isEqual(filter.eventName) } : {}),
              dynamodb: { Keys: { pk: { S: FilterRule.beginsWith(filter.keyPrefix) } }, ...(filter.newImageHas ? { NewImage: { [filter.newImageHas]: { S: FilterRule.exists() } } } : {}) },
            }),
          ),
        }),
      );
    }

    for (const spec of scheduledFunctions) {
      const fn = new OrdersFunction(this, `${spec.id}Function`, spec.entry, environmentFor(spec.needs));
      grant(fn, spec.id, spec.needs, spec.table);
      new Rule(this, `${spec.id}Schedule`, { schedule: Schedule.rate(Duration.minutes(spec.everyMinutes)), targets: [new LambdaFunction(fn)] });
    }

    consoleSite.publish(api.apiEndpoint);
    new CfnOutput(this, 'ApiUrl', { value: stage.url });
    new CfnOutput(this, 'ConsoleUrl', { value: consoleSite.url });
    new CfnOutput(this, 'UserPoolId', { value: userPool.userPoolId });
    new CfnOutput(this, 'UserPoolClientId', { value: client.userPoolClientId });
    new CfnOutput(this, 'StateMachineArn', { value: machine.stateMachineArn });
  }
}

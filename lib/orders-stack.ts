/**
 * The AWS deployment, built from the same topology as the local stack: HTTP API
 * with a Cognito JWT authorizer, one function per route group and per stage queue,
 * the table, a queue (with DLQ) per workflow stage, the state machine from the ASL
 * file, webhook secrets in Secrets Manager. Grants are per function, per need.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { CfnOutput, Duration, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { Rule, Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import { HttpApi, HttpMethod, type IHttpRouteAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpJwtAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import { CfnUserPoolGroup, UserPool, UserPoolClient } from 'aws-cdk-lib/aws-cognito';
import { AttributeType, BillingMode, Table, TableEncryption } from 'aws-cdk-lib/aws-dynamodb';
import { Architecture, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { DefinitionBody, LogLevel, StateMachine, StateMachineType } from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';
import { deadlineVariables, httpFunctions, scheduledFunctions, stageQueues, stateMachine as machineSpec, table as tableSpec, type HttpFunction } from './topology.js';

const root = (path: string) => fileURLToPath(new URL(`../${path}`, import.meta.url));

export interface OrdersStackProps extends StackProps {
  /** Which payment provider and carrier adapters the functions use. */
  paymentProvider?: string;
  carrier?: string;
  /** For the sandbox adapters: where the sandbox provider and carrier answer. */
  sandboxUrl?: string;
  /** Deadline settings (seconds) passed to the functions, e.g. PAYMENT_TIMEOUT_SECONDS. */
  deadlines?: Partial<Record<(typeof deadlineVariables)[number], number>>;
}

/** Fixes the defaults of every function once: Node 22 on arm64, ESM, minified, source maps, tracing. */
class OrdersFunction extends NodejsFunction {
  constructor(scope: Construct, id: string, entry: string, environment: Record<string, string>) {
    super(scope, id, {
      entry: root(entry),
      runtime: Runtime.NODEJS_22_X,
      architecture: Architecture.ARM_64,
      memorySize: 512,
      timeout: Duration.seconds(15),
      tracing: Tracing.ACTIVE,
      logGroup: new LogGroup(scope, `${id}Logs`, { retention: RetentionDays.ONE_MONTH, removalPolicy: RemovalPolicy.DESTROY }),
      environment: { NODE_OPTIONS: '--enable-source-maps', POWERTOOLS_SERVICE_NAME: 'orders', ...environment },
      bundling: {
        format: OutputFormat.ESM,
        minify: true,
        sourceMap: true,
        target: 'node22',
        mainFields: ['module', 'main'],
        // Some dependencies still call require(); give ESM bundles one.
        banner: "import { createRequire } from 'module'; const require = createRequire(import.meta.url);",
      },
    });
  }
}

export class OrdersStack extends Stack {
  constructor(scope: Construct, id: string, props: OrdersStackProps = {}) {
    super(scope, id, props);

    const table = new Table(this, tableSpec.id, {
      partitionKey: { name: tableSpec.partitionKey, type: AttributeType.STRING },
      sortKey: { name: tableSpec.sortKey, type: AttributeType.STRING },
      billingMode: BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      deletionProtection: true,
      timeToLiveAttribute: tableSpec.ttlAttribute,
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

    const machine = new StateMachine(this, machineSpec.id, {
      stateMachineType: StateMachineType.STANDARD,
      // fromString, not fromFile: the definition stays in the template (assertable), not an S3 asset.
      definitionBody: DefinitionBody.fromString(readFileSync(root(machineSpec.definitionFile), 'utf8')),
      definitionSubstitutions: Object.fromEntries(stageQueues.map((spec) => [spec.substitution, queues.get(spec.id)!.queueUrl])),
      tracingEnabled: true,
      logs: {
        destination: new LogGroup(this, 'OrderLifecycleLogs', { retention: RetentionDays.ONE_MONTH, removalPolicy: RemovalPolicy.DESTROY }),
        level: LogLevel.ERROR,
        includeExecutionData: false,
      },
    });
    // The workflow's only calls: sending each stage's task message.
    for (const queue of queues.values()) queue.grantSendMessages(machine);

    const paymentSecret = new Secret(this, 'PaymentWebhookSecret', {
      description: 'Standard Webhooks secret (whsec_...) of the payment provider; set it to the value the provider shows.',
    });
    const carrierSecret = new Secret(this, 'CarrierWebhookSecret', {
      description: 'Standard Webhooks secret (whsec_...) of the carrier; set it to the value the carrier shows.',
    });

    const userPool = new UserPool(this, 'Users', {
      selfSignUpEnabled: true,
      signInAliases: { email: true },
      passwordPolicy: { minLength: 12, requireDigits: true, requireLowercase: true, requireUppercase: true, requireSymbols: true },
      removalPolicy: RemovalPolicy.RETAIN,
    });
    for (const group of ['ops', 'warehouse']) new CfnUserPoolGroup(this, `${group}Group`, { userPoolId: userPool.userPoolId, groupName: group });
    const client = new UserPoolClient(this, 'WebClient', { userPool, authFlows: { userSrp: true } });
    const issuer = `https://cognito-idp.${this.region}.amazonaws.com/${userPool.userPoolId}`;
    const authorizer: IHttpRouteAuthorizer = new HttpJwtAuthorizer('Cognito', issuer, { jwtAudience: [client.userPoolClientId] });

    const common: Record<string, string> = {
      TABLE_NAME: table.tableName,
      ...Object.fromEntries(Object.entries(props.deadlines ?? {}).map(([name, value]) => [name, String(value)])),
    };
    const environmentFor = (needs: HttpFunction['needs'] = []): Record<string, string> => ({
      ...common,
      ...(needs.includes('stateMachine') ? { STATE_MACHINE_ARN: machine.stateMachineArn } : {}),
      ...(needs.includes('paymentProvider') ? { PAYMENT_PROVIDER: props.paymentProvider ?? 'sandbox', SANDBOX_URL: props.sandboxUrl ?? '' } : {}),
      ...(needs.includes('carrier') ? { CARRIER: props.carrier ?? 'sandbox', SANDBOX_URL: props.sandboxUrl ?? '' } : {}),
      ...(needs.includes('paymentWebhookSecret') ? { PAYMENT_WEBHOOK_SECRET_ARN: paymentSecret.secretArn } : {}),
      ...(needs.includes('carrierWebhookSecret') ? { CARRIER_WEBHOOK_SECRET_ARN: carrierSecret.secretArn } : {}),
      ...(needs.includes('jwtVerifier') ? { JWT_ISSUER: issuer, JWT_AUDIENCE: client.userPoolClientId } : {}),
      ...(needs.includes('stageQueues')
        ? Object.fromEntries(
            stageQueues.flatMap((spec) => [
              [`QUEUE_URL_${spec.id.toUpperCase()}`, queues.get(spec.id)!.queueUrl],
              [`DLQ_URL_${spec.id.toUpperCase()}`, deadLetterQueues.get(spec.id)!.queueUrl],
            ]),
          )
        : {}),
    });
    const grant = (fn: NodejsFunction, id: string, needs: HttpFunction['needs'] = []) => {
      if (id !== 'health') table.grantReadWriteData(fn);
      if (needs.includes('stateMachine')) machine.grantTaskResponse(fn);
      if (id === 'orders' || id === 'ops' || id === 'reconciler') machine.grantStartExecution(fn);
      if (id === 'ops' || id === 'reconciler') machine.grantRead(fn);
      if (needs.includes('stageQueues')) {
        for (const dlq of deadLetterQueues.values()) dlq.grantConsumeMessages(fn);
        for (const queue of queues.values()) queue.grantSendMessages(fn);
      }
      if (needs.includes('paymentWebhookSecret')) paymentSecret.grantRead(fn);
      if (needs.includes('carrierWebhookSecret')) carrierSecret.grantRead(fn);
    };

    const api = new HttpApi(this, 'Api', { description: 'Orders API (see API.md)' });
    for (const spec of httpFunctions) {
      const fn = new OrdersFunction(this, `${spec.id}Function`, spec.entry, environmentFor(spec.needs));
      grant(fn, spec.id, spec.needs);
      const integration = new HttpLambdaIntegration(`${spec.id}Integration`, fn);
      for (const route of spec.routes) {
        api.addRoutes({
          path: route.path,
          methods: [HttpMethod[route.method]],
          integration,
          authorizer: route.auth === 'jwt' ? authorizer : undefined,
        });
      }
    }

    for (const spec of stageQueues) {
      const fn = new OrdersFunction(this, `${spec.id}Worker`, spec.worker, environmentFor(spec.needs));
      grant(fn, spec.id, spec.needs);
      fn.addEventSource(new SqsEventSource(queues.get(spec.id)!, { batchSize: spec.batchSize, reportBatchItemFailures: true }));
    }

    for (const spec of scheduledFunctions) {
      const fn = new OrdersFunction(this, `${spec.id}Function`, spec.entry, environmentFor(spec.needs));
      grant(fn, spec.id, spec.needs);
      new Rule(this, `${spec.id}Schedule`, { schedule: Schedule.rate(Duration.minutes(spec.everyMinutes)), targets: [new LambdaFunction(fn)] });
    }

    new CfnOutput(this, 'ApiUrl', { value: api.apiEndpoint });
    new CfnOutput(this, 'UserPoolId', { value: userPool.userPoolId });
    new CfnOutput(this, 'UserPoolClientId', { value: client.userPoolClientId });
    new CfnOutput(this, 'StateMachineArn', { value: machine.stateMachineArn });
  }
}

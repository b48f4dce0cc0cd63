/**
 * The operators' console on AWS: its files (built by lib/console-build.ts) in a private
 * S3 bucket, served by CloudFront through origin access control (the bucket has no
 * public access at all), under /console/. It signs in with the user pool's Hosted UI
 * (authorization code with PKCE) through an app client of its own, whose only callback
 * is the console itself.
 */
import { Duration, RemovalPolicy, Stack, Token, Validations } from 'aws-cdk-lib';
import { AllowedMethods, Distribution, HttpVersion, SecurityPolicyProtocol, ViewerProtocolPolicy } from 'aws-cdk-lib/aws-cloudfront';
import { S3BucketOrigin } from 'aws-cdk-lib/aws-cloudfront-origins';
import { OAuthScope, UserPoolClient, type UserPool } from 'aws-cdk-lib/aws-cognito';
import { BlockPublicAccess, Bucket, BucketEncryption, ObjectOwnership } from 'aws-cdk-lib/aws-s3';
import { BucketDeployment, Source } from 'aws-cdk-lib/aws-s3-deployment';
import { Construct, type IConstruct } from 'constructs';
import { buildConsole } from './console-build.js';

function acknowledge(scope: IConstruct, reasons: Record<string, string>): void {
  for (const [id, reason] of Object.entries(reasons)) Validations.of(scope).acknowledge({ id, reason });
}

export class ConsoleSite extends Construct {
  readonly url: string;
  /** Where the console's pages come from: the API must let this origin call it (CORS). */
  readonly origin: string;
  /** The console's own app client: its tokens are accepted by the API's JWT authorizer too. */
  readonly client: UserPoolClient;
  private readonly bucket: Bucket;
  private readonly distribution: Distribution;
  private readonly hostedUi: string;

  constructor(scope: Construct, id: string, props: { userPool: UserPool; domainPrefix: string }) {
    super(scope, id);
    const logs = new Bucket(this, 'AccessLogs', {
      encryption: BucketEncryption.S3_MANAGED,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      // CloudFront writes its standard logs with ACLs.
      objectOwnership: ObjectOwnership.BUCKET_OWNER_PREFERRED,
      lifecycleRules: [{ expiration: Duration.days(90) }],
      removalPolicy: RemovalPolicy.DESTROY,
      autoDeleteObjects: true,
    });
    acknowledge(logs, { 'AwsSolutions-S1': 'This is the access-log bucket itself: logging it into itself would loop.' });
    const bucket = new Bucket(this, 'Files', {
      encryption: BucketEncryption.S3_MANAGED,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      serverAccessLogsBucket: logs,
      serverAccessLogsPrefix: 's3/',
      removalPolicy: RemovalPolicy.DESTROY,
      autoDeleteObjects: true,
    });
    const distribution = new Distribution(this, 'Distribution', {
      comment: 'Orders console',
      defaultBehavior: {
        origin: S3BucketOrigin.withOriginAccessControl(bucket),
        viewerProtocolPolicy: ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
        allowedMethods: AllowedMethods.ALLOW_GET_HEAD,
      },
      defaultRootObject: 'console/index.html',
      httpVersion: HttpVersion.HTTP2_AND_3,
      minimumProtocolVersion: SecurityPolicyProtocol.TLS_V1_2_2021,
      enableLogging: true,
      logBucket: logs,
      logFilePrefix: 'cloudfront/',
    });
    acknowledge(distribution, {
      'AwsSolutions-CFR1': 'Operators may work from anywhere; the console is static files, every call it makes is authorized by the API.',
      'AwsSolutions-CFR2': 'Static files only, nothing to attack behind them; the API it calls is throttled and JWT-checked. Add a WAF web ACL if your policy asks for one.',
      'AwsSolutions-CFR4': 'The default *.cloudfront.net certificate cannot pin a minimum TLS version; a custom domain with its own certificate gets TLSv1.2_2021 (set above).',
    });
    this.origin = `https://${distribution.distributionDomainName}`;
    this.url = `${this.origin}/console/`;

    const domain = props.userPool.addDomain('HostedUi', { cognitoDomain: { domainPrefix: props.domainPrefix } });
    this.client = props.userPool.addClient('ConsoleClient', {
      generateSecret: false,
      preventUserExistenceErrors: true,
      authFlows: {},
      oAuth: { flows: { authorizationCodeGrant: true, implicitCodeGrant: false }, scopes: [OAuthScope.OPENID, OAuthScope.EMAIL], callbackUrls: [this.url], logoutUrls: [this.url] },
    });
    this.bucket = bucket;
    this.distribution = distribution;
    this.hostedUi = domain.baseUrl();
  }

  /** Uploads the built console with its config.json (where the API is, how to sign in). */
  publish(apiUrl: string): void {
    const deployment = new BucketDeployment(this, 'Upload', {
      destinationBucket: this.bucket,
      destinationKeyPrefix: 'console/',
      sources: [
        Source.asset(buildConsole()),
        Source.jsonData('config.json', { mode: 'cognito', apiUrl, cognito: { domain: this.hostedUi, clientId: this.client.userPoolClientId, redirectUri: this.url } }),
      ],
      distribution: this.distribution,
      distributionPaths: ['/console/*'],
    });
    // CDK's own upload function (one per stack), made for any bucket deployment.
    const handler = Stack.of(this).node.children.find((child) => child.node.id.startsWith('Custom::CDKBucketDeployment'));
    for (const scope of [deployment, ...(handler ? [handler] : [])]) {
      acknowledge(scope, {
        'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]': "CDK's bucket-deployment function writes only its own logs with it.",
        'AwsSolutions-IAM5[Action::s3:GetObject*]': "CDK's bucket deployment reads the console's files from the CDK asset bucket.",
        'AwsSolutions-IAM5[Action::s3:GetBucket*]': "CDK's bucket deployment, on the asset and console buckets only.",
        'AwsSolutions-IAM5[Action::s3:List*]': "CDK's bucket deployment, on the asset and console buckets only.",
        'AwsSolutions-IAM5[Action::s3:DeleteObject*]': "CDK's bucket deployment replaces the console's files (prune).",
        'AwsSolutions-IAM5[Action::s3:Abort*]': "CDK's bucket deployment, multipart uploads to the console bucket.",
        'AwsSolutions-IAM5[Resource::*]': "CDK's bucket deployment invalidates the distribution's cache (CloudFront CreateInvalidation supports no resource-level permissions) and traces.",
        'AwsSolutions-L1': "The bucket-deployment function's runtime is chosen by CDK, not this project.",
      });
      Validations.of(scope).acknowledge({ id: 'AwsSolutions-IAM5[Resource::<ConsoleFiles2D43986C.Arn>/*]', reason: 'The console bucket\'s own objects, which the deployment replaces.' });
      // Named by the rendered ARN of CDK's asset bucket: only known when the account and region are.
      const { account, region } = Stack.of(this);
      if (!Token.isUnresolved(account) && !Token.isUnresolved(region)) {
        Validations.of(scope).acknowledge({ id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::cdk-hnb659fds-assets-${account}-${region}/*]`, reason: "CDK's asset bucket: the console's files, uploaded by cdk deploy." });
      }
    }
  }
}

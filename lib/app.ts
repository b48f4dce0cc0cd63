/** The CDK app: `npx cdk synth` / `npx cdk deploy`. Settings come from CDK context (-c name=value). */
import { App } from 'aws-cdk-lib';
import { OrdersStack } from './orders-stack.js';
import { deadlineVariables } from './topology.js';

const app = new App();
const context = (name: string) => app.node.tryGetContext(name) as string | undefined;
const list = (value: string | undefined) => value?.split(',').map((item) => item.trim()).filter(Boolean);
try {
  new OrdersStack(app, 'Orders', {
    env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
    // e.g. -c paymentProviders=card:stripe,alipay:alipay,wechat_pay:sandbox (method:provider)
    paymentProviders: list(context('paymentProviders')) && Object.fromEntries(list(context('paymentProviders'))!.map((pair) => pair.split(':').map((s) => s.trim()))),
    carrier: context('carrier'),
    shortageResolution: context('shortageResolution'),
    // e.g. -c reportTimezone=Europe/Berlin; -c webhookRetrySchedule=5,30,120,600
    reportTimezone: context('reportTimezone'),
    consoleDomainPrefix: context('consoleDomainPrefix'),
    // e.g. -c ordersPerSecond=3000 (the API's throttling, sized from the peak order rate)
    ordersPerSecond: context('ordersPerSecond') ? Number(context('ordersPerSecond')) : undefined,
    webhookRetrySchedule: list(context('webhookRetrySchedule'))?.map(Number),
    // e.g. -c carrierRules='[{"postalCodePrefix":"85","carrier":"ems"}]'
    carrierRules: context('carrierRules') ? (JSON.parse(String(context('carrierRules'))) as never) : undefined,
    sandboxUrl: context('sandboxUrl'),
    // -c sandbox=true: the sandbox provider and carrier deployed with the API (staging)
    sandbox: String(context('sandbox')) === 'true',
    // e.g. -c corsOrigins=https://shop.example.com,https://admin.example.com
    corsOrigins: list(context('corsOrigins')),
    callbackUrls: list(context('callbackUrls')),
    // e.g. -c PAYMENT_TIMEOUT_SECONDS=600
    deadlines: Object.fromEntries(deadlineVariables.flatMap((name) => (context(name) ? [[name, Number(context(name))]] : []))),
  });
} catch (error) {
  // A refused configuration is the deployer's to fix: say what, without a stack trace.
  console.error((error as Error).message);
  process.exit(1);
}

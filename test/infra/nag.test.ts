/** cdk-nag's AwsSolutions rules over the whole stack: no finding is left unacknowledged. */
import { mkdtempSync, existsSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { describe, expect, it } from 'vitest';
import { OrdersStack } from '../../lib/orders-stack.js';


describe('cdk-nag AwsSolutions', () => {
  it('reports no unacknowledged finding, and every acknowledgement carries a reason', () => {
    const outdir = mkdtempSync(join(tmpdir(), 'orders-nag-'));
    const app = new App({ outdir, context: { 'aws:cdk:bundling-stacks': [] } });
    const stack = new OrdersStack(app, 'Nag', { env: { account: '123456789012', region: 'eu-west-1' }, sandbox: true, paymentProviders: { card: 'stripe', alipay: 'alipay', wechat_pay: 'wechatpay', paypal: 'paypal' } });
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    let failure: unknown;
    try {
      app.synth();
    } catch (error) {
      failure = error;
    }
    const reportFile = join(outdir, 'validation-report.json');
    const report = existsSync(reportFile) ? JSON.parse(readFileSync(reportFile, 'utf8')) : { pluginReports: [] };
    const violations = report.pluginReports.flatMap((r: { violations: { ruleName: string; violatingConstructs: { constructPath: string }[] }[] }) =>
      r.violations.map((v) => `${v.ruleName} at ${v.violatingConstructs.map((c) => c.constructPath).join(', ')}`),
    );
    expect(violations).toEqual([]);
    expect(failure).toBeUndefined();

    const acknowledgements = stack.node
      .findAll()
      .flatMap((c) => c.node.metadata.filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY).map((m) => m.data));
    expect(acknowledgements.length).toBeGreaterThan(0);
    // Metadata entries map the acknowledged rule to its reason.
    for (const ack of acknowledgements as Record<string, string>[]) {
      for (const [rule, reason] of Object.entries(ack)) expect(reason.length, rule).toBeGreaterThan(40);
    }
  });
});

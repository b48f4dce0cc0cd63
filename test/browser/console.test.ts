/**
 * The operators' console in a real browser (Debian's Chromium driven by playwright-core):
 * sign in as the local operator, see today's charts drawn, find an order by customer,
 * open its timeline, refund part of it and see the refund in its ledger, cancel a PACKED
 * order, redrive a dead letter. Screenshots are kept in test-results/console/.
 */
import { mkdirSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, useLocalStack } from '../helpers/local-stack.js';
import { deliver, getOrder, pay, pickAndShip, placeOrder, product, waitForStatus, warehouse } from '../helpers/shop.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const SHOTS = 'test-results/console';
const api = useLocalStack({ env: { RECONCILE_INTERVAL_SECONDS: '3600' } });
let browser: Browser;
let page: Page;

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
  });
  page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
});
afterAll(async () => browser?.close());

const shot = (name: string) => page.screenshot({ path: `${SHOTS}/${name}.png`, fullPage: true });
/** Confirms the open dialog's action (the dialog's submit button). */
const confirm = async (label: string) => page.locator('dialog[open]').getByRole('button', { name: label }).click();

describe('the operators’ console', () => {
  it('signs in as the local operator and draws today’s charts', async () => {
    const sku = await product(api, 10);
    const customer = `console-${randomUUID().slice(0, 6)}`;
    const orderId = (await placeOrder(api, customer, [{ sku, quantity: 1 }])).body.orderId as string;
    await pay(api, customer, orderId);
    await page.goto(`${api.url}/console/`);
    await page.getByRole('button', { name: 'Sign in as local operator' }).click();
    await page.getByRole('heading', { name: 'Today' }).waitFor();
    await page.locator('figure.chart canvas').first().waitFor();
    expect(await page.locator('figure.chart').count()).toBe(4);
    expect(await page.locator('figure.chart canvas').count()).toBeGreaterThanOrEqual(4);
    await shot('today');
  });

  it('finds an order by customer, opens its timeline, refunds part of it and shows the refund in the ledger', async () => {
    const sku = await product(api, 10);
    const customer = `console-${randomUUID().slice(0, 6)}`;
    const orderId = (await placeOrder(api, customer, [{ sku, quantity: 2 }])).body.orderId as string;
    await pay(api, customer, orderId);
    const shipped = await pickAndShip(api, customer, orderId);
    await deliver(api, customer, orderId, shipped.shipment.trackingNumber);
    await page.goto(`${api.url}/console/#/orders`);
    await page.getByLabel('Customer').fill(customer);
    await page.getByRole('button', { name: 'Find' }).click();
    await page.getByRole('link', { name: orderId }).click();
    await page.getByRole('heading', { name: `Order ${orderId}` }).waitFor();
    await page.getByRole('list', { name: 'Timeline, oldest first' }).locator('li').first().waitFor();
    expect(await page.getByRole('list', { name: 'Timeline, oldest first' }).locator('li').count()).toBeGreaterThan(5);
    await shot('order');

    await page.getByRole('button', { name: 'Refund part' }).click();
    await page.locator('dialog[open]').getByLabel('Amount (minor units)').fill('500');
    await confirm('Refund');
    await page.getByRole('table', { name: 'Payment ledger' }).getByText('Refund GOODWILL').waitFor();
    expect(await page.getByRole('table', { name: 'Payment ledger' }).textContent()).toContain('CNY -5.00');
    await shot('order-refunded');
    expect((await getOrder(api, customer, orderId)).payment.refunds).toEqual([expect.objectContaining({ reason: 'GOODWILL', amountMinor: 500 })]);
  });

  it('cancels a PACKED order behind a confirmation', async () => {
    await api.request('POST', '/sandbox/carrier/outage', { body: { down: true } });
    try {
      const sku = await product(api, 5);
      const customer = `console-${randomUUID().slice(0, 6)}`;
      const orderId = (await placeOrder(api, customer, [{ sku, quantity: 1 }])).body.orderId as string;
      await pay(api, customer, orderId);
      await api.request('POST', `/warehouse/tasks/${orderId}/complete`, { token: await warehouse(api), body: {} });
      await waitForStatus(api, customer, orderId, 'PACKED');
      await page.goto(`${api.url}/console/#/orders/${orderId}`);
      await page.getByText('PACKED').first().waitFor();
      await page.getByRole('button', { name: 'Cancel order' }).click();
      await shot('cancel-confirmation');
      await confirm('Cancel the order');
      await page.getByRole('status').filter({ hasText: 'Cancel order: done' }).waitFor();
      await eventually(async () => (await getOrder(api, customer, orderId)).status === 'CANCELLED', 15_000, 'the cancellation');
      expect((await getOrder(api, customer, orderId)).cancellation.reason).toBe('OPS_CANCELLED');
    } finally {
      await api.request('POST', '/sandbox/carrier/outage', { body: { down: false } });
    }
  });

  it('works by keyboard and fits a tablet', async () => {
    await page.setViewportSize({ width: 768, height: 1024 });
    await page.goto(`${api.url}/console/#/orders`);
    // A fresh load: keyboard focus starts at the top of the page.
    await page.reload();
    await page.getByRole('heading', { name: 'Orders' }).waitFor();
    // The first Tab reaches the skip link, which takes focus to the content.
    await page.keyboard.press('Tab');
    expect(await page.evaluate('document.activeElement?.textContent')).toBe('Skip to content');
    await page.keyboard.press('Enter');
    expect(await page.evaluate('[document.activeElement?.id, location.hash]')).toEqual(['main', '#/orders']);
    // The filters are reached by keyboard, in order.
    await page.keyboard.press('Tab');
    expect(await page.evaluate("document.activeElement?.getAttribute('name')")).toBe('status');
    // Nothing wider than the screen.
    expect(await page.evaluate('document.documentElement.scrollWidth <= window.innerWidth')).toBe(true);
    await shot('orders-tablet');
    await page.setViewportSize({ width: 1280, height: 900 });
  });

  it('redrives a dead letter', async () => {
    // A message that failed its stage: in the payment stage's DLQ, as after five failed receives.
    await api.stack.sqs.send(new SendMessageCommand({ QueueUrl: api.stack.queues.payment!.dlqUrl, MessageBody: JSON.stringify({ action: 'createPayment', orderId: `ord_${'0'.repeat(26)}`, taskToken: 'lost' }) }));
    await page.goto(`${api.url}/console/#/dead-letters`);
    const redrive = page.getByRole('button', { name: 'Redrive payment' });
    await redrive.waitFor();
    await shot('dead-letters');
    await redrive.click();
    await confirm('Redrive');
    await page.getByRole('status').filter({ hasText: 'Redrive payment: done' }).waitFor();
  });
});

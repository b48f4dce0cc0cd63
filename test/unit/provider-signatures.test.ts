/**
 * Each provider's signature scheme, against published examples where they exist, and
 * against the other side's independent implementation (the provider's official SDK or
 * our stand-in) where they do not.
 */
import { createCipheriv, createSign, generateKeyPairSync } from 'node:crypto';
import { createServer } from 'node:http';
import Stripe from 'stripe';
import { AlipaySdk } from 'alipay-sdk';
import { describe, expect, it } from 'vitest';
import { decimalToMinor, minorDigits, minorToDecimal } from '../../functions/core/currency.js';
import { signStandardWebhook } from '../../functions/adapters/signatures.js';
import { paypalSignedMessage, verifyPaypalWebhook } from '../../functions/adapters/payments/paypal.js';
import { decryptResource, verifyWechatSignature, wechatMessage } from '../../functions/adapters/payments/wechatpay.js';
import { signStripe } from '../../lib/local/providers/stripe.js';

const rsa = () => generateKeyPairSync('rsa', { modulusLength: 2048, publicKeyEncoding: { type: 'spki', format: 'pem' }, privateKeyEncoding: { type: 'pkcs8', format: 'pem' } });

describe('Standard Webhooks (sandbox)', () => {
  it('matches the specification example (Svix)', () => {
    const signature = signStandardWebhook('whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', 'msg_p5jXN8AQM9LWM0D4loKWxJek', new Date(1614265330 * 1000), '{"test": 2432232314}');
    expect(signature).toBe('v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=');
  });
});

describe('Stripe-Signature', () => {
  const stripe = new Stripe('sk_test_unit');
  const secret = 'whsec_unit_test_secret';
  const body = JSON.stringify({ id: 'evt_1', object: 'event', type: 'checkout.session.completed', data: { object: {} } });

  it('the stand-in signs as the stripe package verifies', () => {
    expect(stripe.webhooks.constructEvent(body, signStripe(secret, body), secret, 300).id).toBe('evt_1');
  });
  it('the package refuses another secret, an altered body and a timestamp outside 300 s', () => {
    expect(() => stripe.webhooks.constructEvent(body, signStripe('whsec_other', body), secret, 300)).toThrow();
    expect(() => stripe.webhooks.constructEvent(`${body} `, signStripe(secret, body), secret, 300)).toThrow();
    expect(() => stripe.webhooks.constructEvent(body, signStripe(secret, body, Math.floor(Date.now() / 1000) - 301), secret, 300)).toThrow();
  });
});

describe('Alipay RSA2 notifications', () => {
  const alipay = rsa();
  const sdk = new AlipaySdk({ appId: '2021000000000000', privateKey: rsa().privateKey, alipayPublicKey: alipay.publicKey, keyType: 'PKCS8' });
  // Alipay's documented rule: every parameter but sign and sign_type, sorted, k=v joined by &, values not URL-decoded.
  const params: Record<string, string> = { notify_id: 'ac05099524730693a8b330c5ecf72da9786', app_id: '2021000000000000', out_trade_no: 'pay_01', total_amount: '19.99', trade_status: 'TRADE_SUCCESS', notify_time: '2026-11-28 12:00:00' };
  const content = Object.keys(params).sort().map((key) => `${key}=${params[key]}`).join('&');
  const sign = createSign('RSA-SHA256').update(content).sign(alipay.privateKey, 'base64');

  it('a notification signed by the documented rule verifies with the official SDK', () => {
    expect(content).toBe('app_id=2021000000000000&notify_id=ac05099524730693a8b330c5ecf72da9786&notify_time=2026-11-28 12:00:00&out_trade_no=pay_01&total_amount=19.99&trade_status=TRADE_SUCCESS');
    expect(sdk.checkNotifySignV2({ ...params, sign_type: 'RSA2', sign })).toBe(true);
  });
  it('an altered amount or another key does not', () => {
    expect(sdk.checkNotifySignV2({ ...params, total_amount: '0.01', sign_type: 'RSA2', sign })).toBe(false);
    const forged = createSign('RSA-SHA256').update(content).sign(rsa().privateKey, 'base64');
    expect(sdk.checkNotifySignV2({ ...params, sign_type: 'RSA2', sign: forged })).toBe(false);
  });
});

describe('WeChat Pay v3', () => {
  it('builds the string to sign exactly as the documentation example', () => {
    // developers' guide, "签名生成": GET /v3/certificates, timestamp 1554208460, nonce 593BEC0C930BF1AFEB40B4A08C8FB242, empty body
    expect(wechatMessage('GET', '/v3/certificates', '1554208460', '593BEC0C930BF1AFEB40B4A08C8FB242', '')).toBe('GET\n/v3/certificates\n1554208460\n593BEC0C930BF1AFEB40B4A08C8FB242\n\n');
  });

  const platform = rsa();
  const keys = { platformPublicKeys: { PUB_KEY_ID_1: platform.publicKey } };
  const headersFor = (body: string, timestamp = Math.floor(Date.now() / 1000), key = platform.privateKey) => ({
    'wechatpay-timestamp': String(timestamp),
    'wechatpay-nonce': 'n0nce',
    'wechatpay-serial': 'PUB_KEY_ID_1',
    'wechatpay-signature': createSign('RSA-SHA256').update(`${timestamp}\nn0nce\n${body}\n`).sign(key, 'base64'),
  });

  it('verifies the platform signature over timestamp, nonce and body; refuses others', () => {
    const body = '{"id":"EV-1"}';
    expect(() => verifyWechatSignature(keys, headersFor(body), body)).not.toThrow();
    expect(() => verifyWechatSignature(keys, headersFor(body), `${body} `)).toThrow(/does not verify/);
    expect(() => verifyWechatSignature(keys, headersFor(body, Math.floor(Date.now() / 1000) - 301), body)).toThrow(/300 s/);
    expect(() => verifyWechatSignature(keys, headersFor(body, undefined, rsa().privateKey), body)).toThrow(/does not verify/);
    expect(() => verifyWechatSignature(keys, { ...headersFor(body), 'wechatpay-serial': 'PUB_KEY_ID_2' }, body)).toThrow(/no WeChat Pay public key/);
  });

  it('decrypts an AEAD_AES_256_GCM resource and refuses an altered one', () => {
    const apiV3Key = '0123456789abcdef0123456789abcdef';
    const cipher = createCipheriv('aes-256-gcm', Buffer.from(apiV3Key), Buffer.from('fdasflkja484'));
    cipher.setAAD(Buffer.from('transaction'));
    const sealed = Buffer.concat([cipher.update('{"out_trade_no":"pay_1"}'), cipher.final(), cipher.getAuthTag()]);
    const resource = { ciphertext: sealed.toString('base64'), nonce: 'fdasflkja484', associated_data: 'transaction' };
    expect(decryptResource(apiV3Key, resource)).toBe('{"out_trade_no":"pay_1"}');
    expect(() => decryptResource(apiV3Key, { ...resource, associated_data: 'refund' })).toThrow();
    sealed[0] = sealed[0]! ^ 1;
    expect(() => decryptResource(apiV3Key, { ...resource, ciphertext: sealed.toString('base64') })).toThrow();
  });
});

describe('PayPal webhook signatures', () => {
  it('signs crc32 of the body as an unsigned decimal (check value of "123456789" is 0xCBF43926)', () => {
    expect(paypalSignedMessage('tx-1', '2026-11-28T12:00:00Z', 'WH-1', '123456789')).toBe('tx-1|2026-11-28T12:00:00Z|WH-1|3421780262');
  });

  it('refuses a certificate URL off the allowed hosts without fetching it', async () => {
    let fetched = 0;
    const server = createServer((_req, res) => {
      fetched++;
      res.end('not a certificate');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    const headers = {
      'paypal-transmission-id': 'tx-1',
      'paypal-transmission-time': new Date().toISOString(),
      'paypal-transmission-sig': 'c2ln',
      'paypal-auth-algo': 'SHA256withRSA',
      'paypal-cert-url': `http://127.0.0.1:${port}/evil/cert.pem`,
    };
    await expect(verifyPaypalWebhook({ webhookId: 'WH-1' }, headers, '{}')).rejects.toThrow(/allowed PayPal host/);
    await expect(verifyPaypalWebhook({ webhookId: 'WH-1', certUrlPrefixes: [`http://127.0.0.1:${port}/certs/`] }, headers, '{}')).rejects.toThrow(/allowed PayPal host/);
    await expect(verifyPaypalWebhook({ webhookId: 'WH-1' }, { ...headers, 'paypal-cert-url': 'https://api.paypal.com.evil.example/cert.pem' }, '{}')).rejects.toThrow(/allowed PayPal host/);
    expect(fetched).toBe(0);
    server.close();
  });
});

describe('currency minor units', () => {
  it('converts exactly, per the currency’s digits', () => {
    expect([minorDigits('CNY'), minorDigits('JPY'), minorDigits('KWD')]).toEqual([2, 0, 3]);
    expect([minorToDecimal(1999, 'CNY'), minorToDecimal(5, 'CNY'), minorToDecimal(1999, 'JPY'), minorToDecimal(1999, 'KWD')]).toEqual(['19.99', '0.05', '1999', '1.999']);
    expect([decimalToMinor('19.99', 'CNY'), decimalToMinor('19.9', 'CNY'), decimalToMinor('20', 'CNY'), decimalToMinor('1999', 'JPY')]).toEqual([1999, 1990, 2000, 1999]);
    expect([decimalToMinor('19.999', 'CNY'), decimalToMinor('-1', 'CNY'), decimalToMinor('1e3', 'CNY'), decimalToMinor('1.5', 'JPY')]).toEqual([null, null, null, null]);
  });
});

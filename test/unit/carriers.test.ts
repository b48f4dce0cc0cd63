/** The carriers' rules: which company takes a parcel, and how Kuaidi100's states, times and signatures read. */
import { describe, expect, it } from 'vitest';
import { chooseCarrier, isoToShanghai, kuaidi100Status, shanghaiToIso } from '../../functions/core/carriers.js';
import { labelSign, parsePush, printAddress, pushSign } from '../../functions/adapters/carriers/kuaidi100.js';

describe('choosing the carrier', () => {
  const rules = [
    { region: 'Zhejiang', carrier: 'zhongtong' as const },
    { postalCodePrefix: '85', carrier: 'ems' as const },
    { country: 'HK', city: 'Kowloon', carrier: 'shunfeng' as const },
  ];
  it('takes the first rule that matches every field it names, else the default', () => {
    expect(chooseCarrier({ country: 'CN', region: 'zhejiang', city: 'Hangzhou', postalCode: '310012' }, 'shunfeng', rules)).toBe('zhongtong');
    expect(chooseCarrier({ country: 'CN', region: 'Tibet', city: 'Lhasa', postalCode: '850000' }, 'shunfeng', rules)).toBe('ems');
    expect(chooseCarrier({ country: 'HK', city: 'Central', postalCode: '000000' }, 'zhongtong', rules)).toBe('zhongtong');
    expect(chooseCarrier({ country: 'HK', city: 'kowloon ', postalCode: '000000' }, 'zhongtong', rules)).toBe('shunfeng');
    expect(chooseCarrier({ country: 'CN', city: 'Shanghai', postalCode: '200120' }, 'sandbox')).toBe('sandbox');
  });
});

describe('Kuaidi100 states', () => {
  it('maps every main state API.md names', () => {
    const mapped = ['0', '1', '2', '3', '4', '5', '6', '7'].map(kuaidi100Status);
    expect(mapped).toEqual(['IN_TRANSIT', 'PICKED_UP', 'EXCEPTION', 'DELIVERED', 'EXCEPTION', 'OUT_FOR_DELIVERY', 'RETURNED_TO_SENDER', 'IN_TRANSIT']);
  });
  it('maps the finer resultv2 codes to their main state', () => {
    const codes: Record<string, string> = { '101': 'PICKED_UP', '102': 'PICKED_UP', '103': 'PICKED_UP', '1001': 'IN_TRANSIT', '1002': 'IN_TRANSIT', '201': 'EXCEPTION', '204': 'EXCEPTION', '301': 'DELIVERED', '304': 'DELIVERED', '401': 'EXCEPTION', '501': 'OUT_FOR_DELIVERY', '8': 'IN_TRANSIT', '10': 'IN_TRANSIT', '13': 'IN_TRANSIT', '14': 'EXCEPTION' };
    for (const [code, status] of Object.entries(codes)) expect([code, kuaidi100Status(code)]).toEqual([code, status]);
  });
  it('knows nothing of other codes (the caller falls back to the parcel state)', () => {
    expect([kuaidi100Status(undefined), kuaidi100Status(''), kuaidi100Status('x'), kuaidi100Status('99999'), kuaidi100Status('9')]).toEqual([null, null, null, null, null]);
  });
});

describe('Kuaidi100 times', () => {
  it('reads Asia/Shanghai wall time as an instant, across midnight UTC', () => {
    expect(shanghaiToIso('2026-11-28 07:30:00')).toBe('2026-11-27T23:30:00.000Z');
    expect(shanghaiToIso('2026-11-28 12:00')).toBe('2026-11-28T04:00:00.000Z');
    expect([shanghaiToIso('yesterday'), shanghaiToIso('2026-13-45 99:00:00')]).toEqual([null, null]);
    expect(isoToShanghai('2026-11-27T23:30:00.000Z')).toBe('2026-11-28 07:30:00');
  });
});

describe('Kuaidi100 signatures and pushes', () => {
  it('signs with upper-case MD5 in the documented orders', () => {
    expect(pushSign('', '')).toBe('D41D8CD98F00B204E9800998ECF8427E'); // MD5 of the empty string
    expect(pushSign('ab', 'c')).toBe(pushSign('abc', '')); // param then salt, nothing between
    expect(labelSign('{"a":1}', '1576123932000', 'KEY', 'SECRET')).toBe(pushSign('{"a":1}1576123932000KEYSECRET', ''));
  });

  it('reads a push oldest first, each entry with its own code or, newest, the parcel state', () => {
    const param = JSON.stringify({
      status: 'polling',
      message: '',
      lastResult: {
        state: '5',
        nu: 'SF1234567890123',
        com: 'shunfeng',
        data: [
          { context: '派件中', ftime: '2026-11-28 12:00:00' },
          { context: '运输中', ftime: '2026-11-28 09:00:00', statusCode: '1002' },
          { context: '已揽收', ftime: '2026-11-28 08:00:00', statusCode: '103' },
          { context: '???', ftime: 'not a time' },
        ],
      },
    });
    expect(parsePush(param)).toEqual({
      trackingNumber: 'SF1234567890123',
      events: [
        { status: 'PICKED_UP', occurredAt: '2026-11-28T00:00:00.000Z' },
        { status: 'IN_TRANSIT', occurredAt: '2026-11-28T01:00:00.000Z' },
        { status: 'OUT_FOR_DELIVERY', occurredAt: '2026-11-28T04:00:00.000Z' },
      ],
      subscription: { state: 'polling', message: '' },
    });
    expect(() => parsePush('{"status":"polling"}')).toThrow(/not a Kuaidi100 push/);
    expect(() => parsePush('not json')).toThrow(/not JSON/);
  });

  it('prints the address in Chinese order', () => {
    expect(printAddress({ name: 'n', phone: 'p', line1: '18 Wensan Road', line2: 'Room 5', city: 'Hangzhou', region: 'Zhejiang', postalCode: '310012', country: 'CN' })).toBe('Zhejiang Hangzhou 18 Wensan Road Room 5');
  });
});

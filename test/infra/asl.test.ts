/** The workflow file itself: valid ASL, JSONPath only, every wait with a deadline, every failure caught. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { queuesOf } from '../../lib/topology.js';

type State = Record<string, any>;
const asl = JSON.parse(readFileSync(new URL('../../statemachines/order-lifecycle.asl.json', import.meta.url), 'utf8'));
const states = Object.entries(asl.States as Record<string, State>);
const callbacks = states.filter(([, s]) => s.Type === 'Task' && String(s.Resource).endsWith('.waitForTaskToken'));

describe('the order workflow (ASL)', () => {
  it('is valid Amazon States Language', async () => {
    const { default: validate } = await import('asl-validator');
    const result = validate(asl, { checkArn: false, checkPaths: true });
    expect(result.errors ?? []).toEqual([]);
    expect(result.isValid).toBe(true);
  });

  it('uses JSONPath (the local runner has no JSONata) and names only topology placeholders', () => {
    expect(asl.QueryLanguage ?? 'JSONPath').toBe('JSONPath');
    const placeholders = new Set([...JSON.stringify(asl).matchAll(/\$\{(\w+)\}/g)].map((m) => m[1]));
    expect([...placeholders].sort()).toEqual(queuesOf('orders').map((q) => q.substitution).sort());
  });

  it('gives every callback task a deadline', () => {
    expect(callbacks.length).toBeGreaterThanOrEqual(4);
    for (const [name, state] of callbacks) {
      const hasDeadline = state.TimeoutSeconds || state.TimeoutSecondsPath || state.HeartbeatSeconds || state.HeartbeatSecondsPath;
      expect(hasDeadline, `${name} has no deadline`).toBeTruthy();
    }
  });

  it('leads every failure before packing to compensation, and lets a later one fail the execution at its task, to be resumed there', () => {
    /** Follows Pass states from `name` to the first state that does something. */
    const landing = (name: string): string => {
      const state: State = asl.States[name];
      return state.Type === 'Pass' ? landing(state.Next) : name;
    };
    for (const name of ['AwaitPayment', 'Picking']) {
      for (const caught of asl.States[name].Catch) expect(landing(caught.Next), `${name} -> ${caught.Next}`).toBe('Compensate');
    }
    // Packed goods are cancelled only by an operator (API.md "Operations"), and compensated as any cancellation.
    expect(asl.States.Shipping.Catch).toEqual([expect.objectContaining({ ErrorEquals: ['Order.Cancelled'], Next: 'Compensate' })]);
    // The execution ends at the hand-over to the carrier (delivery and receipt deadlines: the due-orders sweeper).
    expect(asl.States.Shipping.Next).toBe('HandedOver');
    expect(asl.States.HandedOver.Type).toBe('Succeed');
    for (const name of ['AwaitDelivery', 'AwaitReceipt', 'AutoComplete']) expect(asl.States[name], name).toBeUndefined();
    // Anything else fails the execution at the task itself: RedriveExecution reruns the state
    // that failed, so a catch into a Fail state would leave nothing to resume.
    expect(asl.States.Compensate.Catch).toBeUndefined();
    expect(Object.values(asl.States).filter((state) => (state as State).Type === 'Fail').map((state) => (state as State).Error)).toEqual(['Compensation.Failed']);
  });

  it('after compensation, ends a cancelled order and resumes one whose deadline lost its race', () => {
    expect(asl.States.Compensate.Next).toBe('AfterCompensation');
    const choice: State = asl.States.AfterCompensation;
    expect(choice.Type).toBe('Choice');
    const next = Object.fromEntries(choice.Choices.map((c: State) => [c.StringEquals, c.Next]));
    expect(next).toEqual({ CANCELLED: 'Cancelled', PAID: 'Picking', PACKED: 'Shipping' });
    expect(asl.States[choice.Default].Type).toBe('Fail');
  });

  it('catches every failure of every task before the goods are packed', () => {
    for (const name of ['AwaitPayment', 'Picking']) {
      const caught = (asl.States[name].Catch ?? []).flatMap((c: State) => c.ErrorEquals);
      expect(caught, `${name} does not catch States.ALL`).toContain('States.ALL');
    }
  });

  it('takes at most 12 state transitions on the happy path', () => {
    let name: string | undefined = asl.StartAt;
    let transitions = 0;
    while (name) {
      transitions++;
      const state: State = asl.States[name];
      name = state.End || state.Type === 'Succeed' || state.Type === 'Fail' ? undefined : state.Next;
    }
    expect(transitions).toBeLessThanOrEqual(12);
  });
});

describe('the return workflow (ASL)', () => {
  const returns = JSON.parse(readFileSync(new URL('../../statemachines/return-lifecycle.asl.json', import.meta.url), 'utf8'));
  const tasks = Object.entries(returns.States as Record<string, State>).filter(([, s]) => s.Type === 'Task');

  it('is valid Amazon States Language in JSONPath, naming only its own queue', async () => {
    const { default: validate } = await import('asl-validator');
    const result = validate(returns, { checkArn: false, checkPaths: true });
    expect(result.errors ?? []).toEqual([]);
    const placeholders = new Set([...JSON.stringify(returns).matchAll(/\$\{(\w+)\}/g)].map((m) => m[1]));
    expect([...placeholders]).toEqual(queuesOf('returns').map((q) => q.substitution));
  });

  it('gives every callback task a deadline, and the wait for the goods ends in expiry', () => {
    for (const [name, state] of tasks) expect(state.TimeoutSeconds || state.TimeoutSecondsPath, `${name} has no deadline`).toBeTruthy();
    expect(returns.States.AwaitGoods.TimeoutSecondsPath).toBe('$.shipBySeconds');
    expect(returns.States.AwaitGoods.Catch[0]).toMatchObject({ ErrorEquals: ['States.Timeout'], Next: 'Expire' });
  });
});

/** Which change of an order owes its workflow task a signal (the workflow driver reads nothing else). */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canTransition, hasReached, type OrderStatus } from '../../functions/core/order.js';
import { openTaskResolution, returnSignalOwed, signalOwed, STAGE_DONE, type TaskHolder, type WaitingStage } from '../../functions/core/task-signals.js';

type Step = 'recordPaymentTask' | 'pay' | 'openPicking' | 'pack' | 'ship' | 'cancel' | 'deadlineCancel' | 'compensate' | 'unrelatedChange';

/** What each kind of write does to the fields the driver reads, or null when it cannot happen from here. */
function apply(order: TaskHolder, step: Step, n: number): TaskHolder | null {
  const move = (to: OrderStatus, extra: Partial<TaskHolder> = {}) => (canTransition(order.status, to) ? { ...order, status: to, ...extra } : null);
  switch (step) {
    case 'recordPaymentTask':
      return order.status === 'PENDING_PAYMENT' && !order.taskToken ? { ...order, taskToken: `payment-${n}`, taskStage: 'payment' } : null;
    case 'pay':
      return move('PAID');
    case 'openPicking':
      return move('PICKING', { taskToken: `picking-${n}`, taskStage: 'picking' });
    case 'pack':
      return move('PACKED');
    case 'ship':
      // The shipping stage's token rides on the write that ships the order.
      return move('SHIPPED', { taskToken: `shipping-${n}`, taskStage: 'shipping' });
    case 'cancel':
      // A customer's, a provider's or the warehouse's cancel (an operator's may also cancel a PACKED order).
      return order.status === 'CANCELLED' || hasReached(order.status, 'SHIPPED') ? null : { ...order, status: 'CANCELLED', cancellation: { reason: 'CUSTOMER_CANCELLED' } };
    case 'deadlineCancel': {
      // Decided by compensation: the task ended with its deadline, so the token goes with the write.
      if (order.status === 'CANCELLED' || hasReached(order.status, 'PACKED')) return null;
      const { taskToken: _token, taskStage: _stage, ...rest } = order;
      return { ...rest, status: 'CANCELLED', cancellation: { reason: 'PAYMENT_TIMEOUT' } };
    }
    case 'compensate':
      // Compensation records its token on the order it leaves CANCELLED.
      return order.status === 'CANCELLED' ? { ...order, taskToken: `compensation-${n}`, taskStage: 'compensation' } : null;
    case 'unrelatedChange':
      return { ...order };
  }
}

const steps = fc.array(fc.constantFrom<Step>('recordPaymentTask', 'pay', 'openPicking', 'pack', 'ship', 'cancel', 'deadlineCancel', 'compensate', 'unrelatedChange'), { maxLength: 14 });

describe('signalOwed', () => {
  it('owes each recorded task one signal, once the order is past its stage or cancelled (compensation: at once), and never a second', () => {
    fc.assert(
      fc.property(steps, (plan) => {
        let order: TaskHolder = { status: 'PENDING_PAYMENT' };
        const signalled = new Map<string, number>();
        plan.forEach((step, n) => {
          const next = apply(order, step, n);
          if (!next) return;
          const owed = signalOwed(order, next);
          if (owed) {
            signalled.set(owed.token, (signalled.get(owed.token) ?? 0) + 1);
            if (owed.stage === 'compensation') expect(owed.resolution).toEqual({ outcome: 'succeeded', output: { status: next.status } });
            else if (owed.resolution.outcome === 'failed') expect(next.status).toBe('CANCELLED');
            else expect(hasReached(next.status, STAGE_DONE[owed.stage as WaitingStage])).toBe(true);
          }
          order = next;
        });
        for (const count of signalled.values()) expect(count).toBe(1);
        // The task the order holds has had its signal as soon as the order resolved it.
        if (openTaskResolution(order)) expect(signalled.get(order.taskToken!)).toBe(1);
      }),
    );
  });

  it('fails a cancelled order\'s task with the error that names its cause', () => {
    const waiting: TaskHolder = { status: 'PICKING', taskToken: 't', taskStage: 'picking' };
    expect(signalOwed(waiting, { ...waiting, status: 'CANCELLED', cancellation: { reason: 'OUT_OF_STOCK' } })?.resolution).toEqual({ outcome: 'failed', error: 'Stock.Shortage', cause: { reason: 'OUT_OF_STOCK' } });
    expect(signalOwed(waiting, { ...waiting, status: 'PACKED' })?.resolution).toEqual({ outcome: 'succeeded', output: { status: 'PACKED' } });
  });

  it('owes nothing for a PACKED order an operator cancels (the picking task ended with PACKED), nor for a deadline\'s cancel', () => {
    const packed: TaskHolder = { status: 'PACKED', taskToken: 't', taskStage: 'picking' };
    expect(signalOwed(packed, { ...packed, status: 'CANCELLED', cancellation: { reason: 'OPS_CANCELLED' } })).toBeNull();
    expect(signalOwed({ status: 'PENDING_PAYMENT', taskToken: 'p', taskStage: 'payment' }, { status: 'CANCELLED', cancellation: { reason: 'PAYMENT_TIMEOUT' } })).toBeNull();
  });

  it('owes a signal for a task recorded on an order that has already moved on (a new token with a resolvable status)', () => {
    expect(signalOwed({ status: 'PAID', taskToken: 'p', taskStage: 'payment' }, { status: 'PAID', taskToken: 'q', taskStage: 'payment' })?.token).toBe('q');
    expect(signalOwed(undefined, { status: 'PAID', taskToken: 'p', taskStage: 'payment' })?.token).toBe('p');
  });

  it('ends a return\'s wait for its goods once received, fails it once the return can no longer be received, and owes the refund and expiry steps nothing', () => {
    const waiting = { status: 'APPROVED' as const, taskToken: 'g', taskStage: 'awaitGoods' };
    expect(returnSignalOwed(waiting, { ...waiting, status: 'RECEIVED' })?.resolution).toEqual({ outcome: 'succeeded', output: {} });
    expect(returnSignalOwed(waiting, { ...waiting, status: 'EXPIRED' })?.resolution).toEqual({ outcome: 'failed', error: 'Return.Ended', cause: { status: 'EXPIRED' } });
    expect(returnSignalOwed({ ...waiting, status: 'RECEIVED' }, { ...waiting, status: 'REFUNDED' })).toBeNull();
    // The wait recorded after the goods arrived: owed at once.
    expect(returnSignalOwed({ status: 'RECEIVED' }, { ...waiting, status: 'RECEIVED' })?.token).toBe('g');
    expect(returnSignalOwed({ status: 'RECEIVED', taskToken: 'g', taskStage: 'awaitGoods' }, { status: 'RECEIVED', taskToken: 'r', taskStage: 'refund' })).toBeNull();
  });
});

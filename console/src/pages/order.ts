/** One order: what it is, its payment ledger, shipment and returns, its timeline; cancel, refund and retry behind a confirmation. */
import { useRef } from 'preact/hooks';
import { api } from '../api.js';
import { ConfirmButton, html, money, Status, time, useLoad } from '../ui.js';

export function Order({ orderId }: { orderId: string }) {
  const order = useLoad(() => api<any>('GET', `/orders/${orderId}`), [orderId]);
  const timeline = useLoad(() => api<{ items: any[] }>('GET', `/ops/orders/${orderId}/timeline`), [orderId]);
  const returns = useLoad(() => api<{ items: any[] }>('GET', `/orders/${orderId}/returns`), [orderId]);
  const amount = useRef<HTMLInputElement>(null);
  const reload = () => {
    order.reload();
    timeline.reload();
  };
  const o = order.data;
  return html`<section aria-labelledby="order-title">
    <h1 id="order-title">Order ${orderId}</h1>
    <${Status} ...${order} />
    ${o &&
    html`<div>
      <dl class="facts">
        <div><dt>Status</dt><dd>${o.status}${o.cancellation ? ` (${o.cancellation.reason})` : ''}</dd></div>
        <div><dt>Customer</dt><dd>${o.customerId}</dd></div>
        <div><dt>Total</dt><dd>${money(o.totalMinor, o.currency)}</dd></div>
        <div><dt>Placed</dt><dd>${time(o.createdAt)}</dd></div>
      </dl>
      <div class="actions" role="group" aria-label="Actions">
        <${ConfirmButton} label="Cancel order" question=${`Cancel ${orderId}? It is refunded in full and its stock released.`} confirm="Cancel the order" action=${() => api('POST', `/ops/orders/${orderId}/cancel`, {})} done=${reload} />
        <${ConfirmButton}
          label="Refund part"
          question="Refund part of the payment (goodwill)?"
          confirm="Refund"
          action=${() => api('POST', `/ops/orders/${orderId}/refunds`, { amountMinor: Number(amount.current?.value), reason: 'GOODWILL' }, { 'idempotency-key': crypto.randomUUID() })}
          done=${reload}
        >
          <label>Amount (minor units) <input ref=${amount} type="number" min="1" required /></label>
        </${ConfirmButton}>
        <${ConfirmButton} label="Retry" question="Resume this order's failed execution from the step that failed?" confirm="Retry" action=${() => api('POST', `/ops/orders/${orderId}/retry`)} done=${reload} />
      </div>
      <h2>Payment</h2>
      ${o.payment
        ? html`<table class="list" aria-label="Payment ledger">
            <thead><tr><th scope="col">Entry</th><th scope="col">Amount</th><th scope="col">Status</th><th scope="col">When</th></tr></thead>
            <tbody>
              <tr><td>Payment ${o.payment.provider}</td><td>${money(o.payment.amountMinor, o.payment.currency)}</td><td>${o.payment.status}</td><td>${time(o.payment.paidAt)}</td></tr>
              ${o.payment.refunds.map((r: any) => html`<tr><td>Refund ${r.reason}</td><td>${money(-r.amountMinor, o.payment.currency)}</td><td>${r.status}</td><td>${time(r.completedAt ?? r.createdAt)}</td></tr>`)}
            </tbody>
          </table>`
        : html`<p>No payment yet.</p>`}
      <h2>Shipment</h2>
      ${o.shipment ? html`<p>${o.shipment.carrier} ${o.shipment.trackingNumber}: ${o.shipment.status ?? 'booked'}</p>` : html`<p>Not shipped.</p>`}
      <h2>Returns</h2>
      ${(returns.data?.items ?? []).length ? html`<ul>${returns.data!.items.map((r: any) => html`<li>${r.returnId}: ${r.status}, ${money(r.refundMinor, o.currency)}</li>`)}</ul>` : html`<p>No returns.</p>`}
    </div>`}
    <h2>Timeline</h2>
    <${Status} ...${timeline} />
    <ol class="timeline" aria-label="Timeline, oldest first">
      ${(timeline.data?.items ?? []).map((i) => html`<li><time datetime=${i.at}>${time(i.at)}</time> <span class=${`source ${i.source}`}>${i.source}</span> <strong>${i.type}</strong> <code>${JSON.stringify(i.detail)}</code></li>`)}
    </ol>
  </section>`;
}

/** The operator's queues: stuck orders, returns to approve, dead letters to redrive. */
import { useState } from 'preact/hooks';
import { api } from '../api.js';
import { ConfirmButton, html, Status, time, useLoad } from '../ui.js';

export function Stuck() {
  const stuck = useLoad(() => api<{ items: any[] }>('GET', '/ops/stuck-orders'));
  return html`<section aria-labelledby="stuck-title">
    <h1 id="stuck-title">Stuck orders</h1>
    <${Status} ...${stuck} />
    <table class="list">
      <thead><tr><th scope="col">Order</th><th scope="col">Status</th><th scope="col">Since</th><th scope="col">Problem</th><th scope="col">Execution</th><th scope="col">Action</th></tr></thead>
      <tbody>
        ${(stuck.data?.items ?? []).map(
          (s) => html`<tr>
            <td><a href=${`#/orders/${s.orderId}`}>${s.orderId}</a></td><td>${s.status}</td><td>${time(s.since)}</td><td>${s.problem}</td><td>${s.executionStatus ?? 'none'}</td>
            <td><${ConfirmButton} label="Retry" question=${`Resume ${s.orderId}?`} confirm="Retry" action=${() => api('POST', `/ops/orders/${s.orderId}/retry`)} done=${stuck.reload} /></td>
          </tr>`,
        )}
      </tbody>
    </table>
    ${stuck.data && !stuck.data.items.length ? html`<p>Nothing is stuck.</p>` : null}
  </section>`;
}

export function Returns() {
  const returns = useLoad(() => api<{ items: any[] }>('GET', '/ops/returns?status=REQUESTED'));
  return html`<section aria-labelledby="returns-title">
    <h1 id="returns-title">Returns to approve</h1>
    <${Status} ...${returns} />
    <table class="list">
      <thead><tr><th scope="col">Return</th><th scope="col">Order</th><th scope="col">Items</th><th scope="col">Requested</th><th scope="col">Decision</th></tr></thead>
      <tbody>
        ${(returns.data?.items ?? []).map(
          (r) => html`<tr>
            <td>${r.returnId}</td><td><a href=${`#/orders/${r.orderId}`}>${r.orderId}</a></td>
            <td>${r.items.map((i: any) => `${i.quantity} × ${i.sku} (${i.reason})`).join(', ')}</td><td>${time(r.createdAt)}</td>
            <td>
              <${ConfirmButton} label="Approve" question=${`Approve ${r.returnId}?`} confirm="Approve" action=${() => api('POST', `/ops/returns/${r.returnId}/approve`, {})} done=${returns.reload} />
              <${ConfirmButton} label="Reject" question=${`Reject ${r.returnId}?`} confirm="Reject" action=${() => api('POST', `/ops/returns/${r.returnId}/reject`, {})} done=${returns.reload} />
            </td>
          </tr>`,
        )}
      </tbody>
    </table>
    ${returns.data && !returns.data.items.length ? html`<p>No returns wait for a decision.</p>` : null}
  </section>`;
}

export function DeadLetters() {
  const letters = useLoad(() => api<{ items: { stage: string; approximateCount: number; messages: any[] }[] }>('GET', '/ops/dead-letters'));
  // A redrive is an SQS move task: the messages go back in the background. The stage keeps its button (and its outcome) after the list reloads empty.
  const [redriven, setRedriven] = useState<Record<string, boolean>>({});
  return html`<section aria-labelledby="dlq-title">
    <h1 id="dlq-title">Dead letters</h1>
    <${Status} ...${letters} />
    <table class="list">
      <thead><tr><th scope="col">Stage</th><th scope="col">Messages</th><th scope="col">Orders</th><th scope="col">Action</th></tr></thead>
      <tbody>
        ${(letters.data?.items ?? []).map(
          (q) => html`<tr>
            <td>${q.stage}</td><td>${q.approximateCount}</td><td>${q.messages.map((m) => m.orderId).filter(Boolean).join(', ')}</td>
            <td>${q.approximateCount > 0 || redriven[q.stage] ? html`<${ConfirmButton} label=${`Redrive ${q.stage}`} question=${`Move ${q.approximateCount} message(s) back to the ${q.stage} queue?`} confirm="Redrive" action=${async () => { await api('POST', `/ops/dead-letters/${q.stage}/redrive`); setRedriven({ ...redriven, [q.stage]: true }); }} done=${letters.reload} />` : ''}</td>
          </tr>`,
        )}
      </tbody>
    </table>
  </section>`;
}


/** Orders: search by status, customer, SKU and time, page by page; the same search as CSV. */
import { useState } from 'preact/hooks';
import { api, download } from '../api.js';
import { html, money, Status, time, useLoad } from '../ui.js';

const STATUSES = ['PENDING_PAYMENT', 'PAID', 'PICKING', 'PACKED', 'SHIPPED', 'DELIVERED', 'COMPLETED', 'CANCELLED'];

export function Orders() {
  const [filters, setFilters] = useState<Record<string, string>>({});
  const [cursors, setCursors] = useState<string[]>([]);
  const query = new URLSearchParams(Object.entries({ ...filters, limit: '25', ...(cursors.length ? { cursor: cursors.at(-1)! } : {}) }).filter(([, v]) => v));
  const page = useLoad(() => api<{ items: any[]; nextCursor: string | null }>('GET', `/ops/orders?${query}`), [query.toString()]);
  const submit = (event: Event) => {
    event.preventDefault();
    const form = new FormData(event.target as HTMLFormElement);
    const next: Record<string, string> = {};
    for (const [name, value] of form.entries()) if (String(value).trim()) next[name] = name === 'from' || name === 'to' ? new Date(String(value)).toISOString() : String(value).trim();
    setCursors([]);
    setFilters(next);
  };
  const exportQuery = new URLSearchParams(Object.entries(filters).filter(([, v]) => v));
  return html`<section aria-labelledby="orders-title">
    <h1 id="orders-title">Orders</h1>
    <form class="filters" onSubmit=${submit} aria-label="Find orders">
      <label>Status <select name="status"><option value="">any</option>${STATUSES.map((s) => html`<option>${s}</option>`)}</select></label>
      <label>Customer <input name="customerId" autocomplete="off" /></label>
      <label>SKU <input name="sku" autocomplete="off" /></label>
      <label>From <input name="from" type="datetime-local" /></label>
      <label>To <input name="to" type="datetime-local" /></label>
      <button type="submit">Find</button>
      <button type="button" onClick=${() => download(`/ops/orders/export.csv?${exportQuery}`, 'orders.csv')}>Export CSV</button>
    </form>
    <${Status} ...${page} />
    <table class="list">
      <caption class="visually-hidden">Orders, newest first</caption>
      <thead><tr><th scope="col">Order</th><th scope="col">Customer</th><th scope="col">Status</th><th scope="col">Total</th><th scope="col">Placed</th></tr></thead>
      <tbody>
        ${(page.data?.items ?? []).map(
          (o) => html`<tr>
            <td><a href=${`#/orders/${o.orderId}`}>${o.orderId}</a></td>
            <td>${o.customerId}</td>
            <td>${o.status}${o.cancellation ? ` (${o.cancellation.reason})` : ''}</td>
            <td>${money(o.totalMinor, o.currency)}</td>
            <td>${time(o.createdAt)}</td>
          </tr>`,
        )}
      </tbody>
    </table>
    <nav class="pager" aria-label="Pages">
      <button type="button" disabled=${!cursors.length} onClick=${() => setCursors(cursors.slice(0, -1))}>Previous</button>
      <button type="button" disabled=${!page.data?.nextCursor} onClick=${() => setCursors([...cursors, page.data!.nextCursor!])}>Next</button>
    </nav>
  </section>`;
}

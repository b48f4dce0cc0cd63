/** Stock (low first) and webhook endpoints with their deliveries. */
import { useState } from 'preact/hooks';
import { api } from '../api.js';
import { ConfirmButton, html, Status, time, useLoad } from '../ui.js';

async function allProducts(): Promise<any[]> {
  const products: any[] = [];
  let cursor: string | null = null;
  do {
    const page: { items: any[]; nextCursor: string | null } = await api('GET', `/products?limit=100${cursor ? `&cursor=${cursor}` : ''}`);
    products.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor && products.length < 5000);
  return products;
}

export function Stock() {
  const products = useLoad(allProducts);
  // Lowest first: how far above its threshold each product is (no threshold: its stock).
  const rows = [...(products.data ?? [])].sort((a, b) => a.available - (a.lowStockThreshold ?? 0) - (b.available - (b.lowStockThreshold ?? 0)));
  return html`<section aria-labelledby="stock-title">
    <h1 id="stock-title">Stock</h1>
    <${Status} ...${products} />
    <table class="list">
      <thead><tr>${['SKU', 'Name', 'Available', 'Reserved', 'Sold', 'Written off', 'Backordered', 'Low at'].map((h) => html`<th scope="col">${h}</th>`)}</tr></thead>
      <tbody>
        ${rows.map(
          (p) => html`<tr class=${p.lowStockThreshold && p.available <= p.lowStockThreshold ? 'low' : ''}>
            <td>${p.sku}</td><td>${p.name}</td><td>${p.available}</td><td>${p.reserved}</td><td>${p.sold}</td><td>${p.writtenOff}</td><td>${p.backordered}</td><td>${p.lowStockThreshold || ''}</td>
          </tr>`,
        )}
      </tbody>
    </table>
  </section>`;
}

function Deliveries({ endpointId }: { endpointId: string }) {
  const deliveries = useLoad(() => api<{ items: any[] }>('GET', `/ops/webhook-endpoints/${endpointId}/deliveries?limit=20`), [endpointId]);
  return html`<div>
    <${Status} ...${deliveries} />
    <table class="list" aria-label="Deliveries, newest first">
      <thead><tr><th scope="col">Event</th><th scope="col">Type</th><th scope="col">Status</th><th scope="col">Attempts</th><th scope="col">Last answer</th><th scope="col">Action</th></tr></thead>
      <tbody>
        ${(deliveries.data?.items ?? []).map(
          (d) => html`<tr>
            <td>${d.eventId}</td><td>${d.type}</td><td>${d.status}</td><td>${d.attempts}</td><td>${d.lastResponseStatus ?? ''} ${time(d.lastAttemptAt)}</td>
            <td><${ConfirmButton} label="Send again" question=${`Send ${d.eventId} again now?`} confirm="Send" action=${() => api('POST', `/ops/webhook-endpoints/${endpointId}/deliveries/${d.eventId}/retry`)} done=${deliveries.reload} /></td>
          </tr>`,
        )}
      </tbody>
    </table>
  </div>`;
}

export function Webhooks() {
  const endpoints = useLoad(() => api<{ items: any[] }>('GET', '/ops/webhook-endpoints'));
  const [open, setOpen] = useState<string | null>(null);
  return html`<section aria-labelledby="webhooks-title">
    <h1 id="webhooks-title">Webhook endpoints</h1>
    <${Status} ...${endpoints} />
    <ul class="endpoints">
      ${(endpoints.data?.items ?? []).map(
        (e) => html`<li>
          <button type="button" aria-expanded=${open === e.endpointId} onClick=${() => setOpen(open === e.endpointId ? null : e.endpointId)}>${e.url}</button>
          <span>${e.events.join(', ')}</span>
          ${open === e.endpointId ? html`<${Deliveries} endpointId=${e.endpointId} />` : null}
        </li>`,
      )}
    </ul>
    ${endpoints.data && !endpoints.data.items.length ? html`<p>No endpoints (POST /ops/webhook-endpoints adds one).</p>` : null}
  </section>`;
}

/** Today: the day's figures and 30-day charts of orders, revenue, cancellations by reason and stage times. */
import { api } from '../api.js';
import { DailyChart } from '../charts.js';
import { dayOffset, html, money, Status, useLoad } from '../ui.js';

const REASONS = ['CUSTOMER_CANCELLED', 'PAYMENT_TIMEOUT', 'PAYMENT_FAILED', 'OUT_OF_STOCK', 'OPS_CANCELLED'];

export function Today() {
  const report = useLoad(() => api<{ timezone: string; days: any[] }>('GET', `/ops/reports/daily?from=${dayOffset(-29)}&to=${dayOffset(1)}`));
  const days = report.data?.days ?? [];
  const today = days.filter((d) => d.ordersPlaced || d.ordersPaid || d.ordersShipped).at(-1) ?? days.at(-2);
  const dates = days.map((d) => d.date);
  const currencies = [...new Set(days.flatMap((d) => Object.keys(d.money)))];
  return html`<section aria-labelledby="today-title">
    <h1 id="today-title">Today</h1>
    <${Status} ...${report} />
    ${today &&
    html`<dl class="figures" aria-label=${`Figures for ${today.date} (${report.data!.timezone})`}>
      <div><dt>Placed</dt><dd>${today.ordersPlaced}</dd></div>
      <div><dt>Paid</dt><dd>${today.ordersPaid}</dd></div>
      <div><dt>Shipped</dt><dd>${today.ordersShipped}</dd></div>
      <div><dt>Completed</dt><dd>${today.ordersCompleted}</dd></div>
      <div><dt>Cancelled</dt><dd>${REASONS.reduce((n, r) => n + today.ordersCancelled[r], 0)}</dd></div>
      ${Object.entries(today.money).map(([currency, m]: [string, any]) => html`<div><dt>Net ${currency}</dt><dd>${money(m.netMinor, currency)}</dd></div>`)}
      <div><dt>Efficiency</dt><dd>${today.efficiency}</dd></div>
    </dl>`}
    ${days.length > 0 &&
    html`<div class="charts">
      <${DailyChart} title="Orders" dates=${dates} series=${[
        { label: 'Placed', values: days.map((d) => d.ordersPlaced) },
        { label: 'Paid', values: days.map((d) => d.ordersPaid) },
        { label: 'Shipped', values: days.map((d) => d.ordersShipped) },
      ]} />
      <${DailyChart} title="Revenue (net, minor units)" dates=${dates} series=${currencies.map((c) => ({ label: c, values: days.map((d) => d.money[c]?.netMinor ?? 0) }))} />
      <${DailyChart} title="Cancellations by reason" dates=${dates} series=${REASONS.map((r) => ({ label: r, values: days.map((d) => d.ordersCancelled[r]) }))} />
      <${DailyChart} title="Average seconds from placement" dates=${dates} series=${['toPaid', 'toShipped', 'toCompleted'].map((stage) => ({ label: stage, values: days.map((d) => d.stageSeconds[stage].avg) }))} />
    </div>`}
  </section>`;
}

/** A line chart (uPlot) of daily series, labelled for screen readers with a data table beside it. */
import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import { html } from './ui.js';

const COLOURS = ['#1f6feb', '#2da44e', '#d1242f', '#bf8700', '#8250df', '#57606a'];

export function DailyChart(props: { title: string; dates: string[]; series: { label: string; values: (number | null)[] }[] }) {
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (!box.current) return;
    const x = props.dates.map((date) => Date.parse(`${date}T00:00:00Z`) / 1000);
    const plot = new uPlot(
      {
        width: Math.max(280, box.current.clientWidth),
        height: 180,
        series: [{}, ...props.series.map((s, i) => ({ label: s.label, stroke: COLOURS[i % COLOURS.length], width: 2 }))],
        axes: [{}, { size: 60 }],
      },
      [x, ...props.series.map((s) => s.values)] as uPlot.AlignedData,
      box.current,
    );
    return () => plot.destroy();
  }, [props.dates.join(), JSON.stringify(props.series)]);
  return html`<figure class="chart">
    <figcaption>${props.title}</figcaption>
    <div ref=${box} role="img" aria-label=${`${props.title}, ${props.dates.length} days`}></div>
    <details>
      <summary>Data</summary>
      <table>
        <thead><tr><th scope="col">Date</th>${props.series.map((s) => html`<th scope="col">${s.label}</th>`)}</tr></thead>
        <tbody>${props.dates.map((date, i) => html`<tr><th scope="row">${date}</th>${props.series.map((s) => html`<td>${s.values[i] ?? ''}</td>`)}</tr>`)}</tbody>
      </table>
    </details>
  </figure>`;
}

// <IndicatorChart rows=… label=… title=…/>: completion by indicator as a horizontal
// bar chart (data-chart="indicators"), each bar labelled with the indicator's title in
// the chosen language (ReportRow.indicatorTitles; its key when it has none). rows:
// report rows with indicatorKey, indicatorTitles and completion; label: the dataset's
// name; title: the chart's accessible label.
import { ChartCanvas, PALETTE } from "./charts.js";
import { pick } from "./i18n.js";
import { html, useMemo } from "./preact.js";

/** A share (0.97) as a percentage to one decimal (97.0), null kept. */
export function percent(share) {
  return share == null ? null : Math.round(share * 1000) / 10;
}

/** An indicator row's title in the chosen language, else its key. */
export function indicatorTitle(row) {
  return pick(row.indicatorTitles) || row.indicatorKey || "–";
}

export function IndicatorChart({ rows, label, title }) {
  const config = useMemo(
    () => ({
      type: "bar",
      data: {
        labels: rows.map(indicatorTitle),
        datasets: [{ label, data: rows.map((r) => percent(r.completion)), backgroundColor: PALETTE[0] }],
      },
      options: {
        indexAxis: "y",
        plugins: { legend: { display: false } },
        scales: { x: { beginAtZero: true, title: { display: true, text: "%" } } },
      },
    }),
    [rows, label, indicatorTitle(rows[0] ?? {})],
  );
  const height = Math.max(240, rows.length * 20 + 60);
  return html`<${ChartCanvas} name="indicators" config=${config} label=${title} height=${height} />`;
}

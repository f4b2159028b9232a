// <ChartCanvas name=… config=… label=… height=…/>: a Chart.js chart (config as
// `new Chart` takes it), rebuilt when config changes; height in px (default: CSS).
// The canvas carries data-chart (its name) so tests can find it and read
// Chart.getChart(canvas).data.
import { html, useEffect, useRef } from "./preact.js";
import { loadChart } from "./vendor.js";

export const PALETTE = ["#2563eb", "#f59e0b", "#10b981", "#ef4444", "#8b5cf6", "#06b6d4", "#64748b"];

export function ChartCanvas({ name, config, label, height }) {
  const canvas = useRef(null);
  useEffect(() => {
    let chart = null;
    let live = true;
    loadChart().then((Chart) => {
      if (!live || !canvas.current) return;
      chart = new Chart(canvas.current, {
        ...config,
        options: { responsive: true, maintainAspectRatio: false, animation: false, ...config.options },
      });
    });
    return () => {
      live = false;
      chart?.destroy();
    };
  }, [config]);
  return html`<div class="chart-box" style=${height ? `height:${height}px` : ""}><canvas ref=${canvas} data-chart=${name} aria-label=${label} role="img"></canvas></div>`;
}

// Home: the dashboard of the chosen cycle, in the viewer's report.read scope
// (HR and executives the company, heads their unit, managers their team, everyone
// themselves): progress against plan, the trend over the last cycles (a chart) and
// completion by indicator (a chart).
import { ChartCanvas, PALETTE } from "../lib/charts.js";
import { OpenCycle } from "../lib/cycles.js";
import { formatNumber, formatPercent, t } from "../lib/i18n.js";
import { IndicatorChart } from "../lib/indicators.js";
import { html, useMemo } from "../lib/preact.js";
import { scopeOf } from "../lib/session.js";
import { ErrorBox, Loading, Stat, useQuery, useTitle } from "../lib/ui.js";

const DASHBOARD = `query Dashboard($cycle: ID!) {
  dashboard(cycle: $cycle) {
    progress { people items completion expectedProgress behind }
    indicators { indicatorKey indicatorTitles { zhCN en } people items completion behind }
    results { people meanTotal bands { band count share } }
  }
}`;

const TREND = `query Trend($cycle: ID!, $subject: TrendSubject!) {
  trend(subject: $subject, cycle: $cycle, last: 4) { period completion meanTotal people }
}`;

const ROOT_UNIT = `query RootUnit { orgUnits(first: 1) { edges { node { id } } } }`;

function TrendChart({ cycle, subject }) {
  const { data, error, loading } = useQuery(TREND, { cycle, subject }, [cycle, JSON.stringify(subject)]);
  const points = data?.trend ?? [];
  const config = useMemo(
    () => ({
      type: "line",
      data: {
        labels: points.map((p) => p.period),
        datasets: [
          {
            label: t("home.completion"),
            data: points.map((p) => (p.completion == null ? null : Math.round(p.completion * 1000) / 10)),
            borderColor: PALETTE[0],
            backgroundColor: PALETTE[0],
          },
          {
            label: t("home.meanTotal"),
            data: points.map((p) => p.meanTotal),
            borderColor: PALETTE[1],
            backgroundColor: PALETTE[1],
          },
        ],
      },
    }),
    [data, t("home.completion")],
  );
  if (error) return html`<${ErrorBox} error=${error} />`;
  if (loading) return html`<${Loading} />`;
  return html`<${ChartCanvas} name="trend" config=${config} label=${t("home.trend")} />`;
}

function Dashboard({ cycle, subject }) {
  const { data, error, loading } = useQuery(DASHBOARD, { cycle }, [cycle]);
  if (error) return html`<${ErrorBox} error=${error} />`;
  if (loading || !data) return html`<${Loading} />`;
  const { progress, indicators, results } = data.dashboard;
  return html`
    <div class="cards">
      <${Stat} label=${t("home.people")} value=${formatNumber(progress.people)} />
      <${Stat} label=${t("home.completion")} value=${formatPercent(progress.completion)} />
      <${Stat} label=${t("home.expected")} value=${formatPercent(progress.expectedProgress)} />
      <${Stat} label=${t("home.behind")} value=${formatNumber(progress.behind)} />
      ${results ? html`<${Stat} label=${t("home.results")} value=${formatNumber(results.people)} />` : null}
    </div>
    ${subject
      ? html`<section class="card"><h2>${t("home.trend")}</h2><${TrendChart} cycle=${cycle} subject=${subject} /></section>`
      : null}
    <section class="card">
      <h2>${t("home.byIndicator")}</h2>
      ${indicators.length ? html`<${IndicatorChart} rows=${indicators} label=${t("home.completion")} title=${t("home.byIndicator")} />` : html`<p class="muted">${t("common.none")}</p>`}
    </section>
  `;
}

function Home({ viewer }) {
  useTitle(t("home.title"));
  // the trend's subject: the company for a tenant-wide reader, else the viewer themselves
  const wide = scopeOf(viewer, "org.read") === "tenant";
  const root = useQuery(wide ? ROOT_UNIT : null);
  const rootId = root.data?.orgUnits.edges[0]?.node.id;
  const own = viewer.employee ? { employee: viewer.employee.id } : null;
  const subject = wide ? (rootId ? { orgUnit: rootId } : null) : own;
  return html`<div>
    <h1>${t("home.title")}</h1>
    <p class="muted">${t("home.greeting", { name: viewer.user.displayName })}</p>
    <${OpenCycle} render=${(cycle) => html`<${Dashboard} cycle=${cycle} subject=${subject} />`} />
  </div>`;
}

export const page = {
  route: "/",
  title: "home.title",
  nav: 10,
  requires: ["report.read"],
  view: Home,
};

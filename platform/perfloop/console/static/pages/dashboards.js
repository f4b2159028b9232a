// Dashboards: a cycle's aggregates in the viewer's scope (the API scopes them: HR and
// executives the company, heads their subtree, managers their team, everyone
// themselves), for the whole scope or one org unit's subtree:
//   - rating distribution per unit (published results, stacked by band),
//   - completion by indicator (titles in the chosen language),
//   - progress against plan per unit (completion next to the time elapsed),
//   - trend over the last cycles, of the unit or of one person, with the person's
//     plan next to the previous period's.
import { ChartCanvas, PALETTE } from "../lib/charts.js";
import { CyclePicker, defaultCycle } from "../lib/cycles.js";
import { formatNumber, formatPercent, pick, t } from "../lib/i18n.js";
import { IndicatorChart, indicatorTitle, percent } from "../lib/indicators.js";
import { html, useMemo, useState } from "../lib/preact.js";
import { ErrorBox, Loading, Stat, useQuery, useTitle } from "../lib/ui.js";

const CHOICES = `query DashboardChoices {
  cycles(first: 50) { edges { node { id period periodKind isSummary templateKey status stage startsOn endsOn } } }
  orgUnits(first: 100) { edges { node { id code name nameEn parent { id } } } }
  employees(first: 100) { edges { node { id name employeeNo } } }
}`;

const DASHBOARD = `query Dashboards($cycle: ID!, $unit: ID) {
  dashboard(cycle: $cycle, orgUnit: $unit, ranked: 5) {
    progress { people items completion expectedProgress behind }
    indicators { indicatorKey indicatorTitles { zhCN en } people items target actual completion behind }
    results { people meanTotal bands { band count share } }
    units { orgUnitId name own people meanTotal bands { band count share } }
  }
}`;

const BY_UNIT = `query ProgressByUnit($cycle: ID!) {
  planReport(cycle: $cycle, groupBy: [ORG_UNIT], first: 100) {
    totalCount
    edges { node { orgUnitId people items completion behind } }
  }
}`;

const TREND = `query DashboardTrend($cycle: ID!, $subject: TrendSubject!) {
  trend(subject: $subject, cycle: $cycle, last: 6) { cycleId period people completion behind results meanTotal total rating }
}`;

const COMPARISON = `query DashboardComparison($cycle: ID!, $employee: ID!) {
  scorecardComparison(cycle: $cycle, employee: $employee) {
    period previousPeriod completion previousCompletion completionDelta score previousScore scoreDelta
    items { key titles { zhCN en } completion previousCompletion completionDelta }
  }
}`;

const nodes = (connection) => (connection?.edges ?? []).map((e) => e.node);

/** The unit's name in the chosen language (the Chinese name when it has no English one). */
function unitName(unit) {
  return unit ? pick({ zhCN: unit.name, en: unit.nameEn }) : "–";
}

/** A unit by its id among those the viewer reads, else the name the row gives. */
function nameOf(names, id, fallback) {
  return names.has(id) ? unitName(names.get(id)) : fallback ?? "–";
}

/** The cycle the page starts on: the newest open quarter, else the newest cycle. */
function startCycle(cycles) {
  return defaultCycle(cycles.filter((c) => c.status === "open")) ?? cycles[0] ?? null;
}

/** The newest closed cycle of the same kind of period as the chosen one (else any). */
function lastClosed(cycles, chosen) {
  const kind = cycles.find((c) => c.id === chosen)?.periodKind;
  const closed = cycles.filter((c) => c.status === "closed");
  return closed.find((c) => c.periodKind === kind) ?? closed[0] ?? null;
}

function Section({ title, name, children }) {
  return html`<section class="card" data-section=${name}><h2>${title}</h2>${children}</section>`;
}

function Distribution({ units, order, names, closed, onCycle }) {
  const shown = units.filter((u) => u.people > 0);
  // the bands in the results' order (the highest totals first), then any other
  const bands = [...new Set([...order, ...shown.flatMap((u) => u.bands.map((b) => b.band))].map((b) => b ?? "–"))];
  const config = useMemo(
    () => ({
      type: "bar",
      data: {
        labels: shown.map((u) => {
          const name = nameOf(names, u.orgUnitId, u.name);
          return u.own ? `${name} (${t("dash.own")})` : name;
        }),
        datasets: bands.map((band, i) => ({
          label: band,
          data: shown.map((u) => u.bands.find((b) => (b.band ?? "–") === band)?.count ?? 0),
          backgroundColor: PALETTE[i % PALETTE.length],
        })),
      },
      options: {
        scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true, title: { display: true, text: t("dash.people") } } },
      },
    }),
    [units, names, t("dash.people")],
  );
  if (!shown.length) {
    return html`<p class="muted row" data-test="no-results">${t("dash.noResults")}
      ${closed ? html`<button onClick=${() => onCycle(closed.id)} data-test="closed-cycle">${t("dash.showClosed", { period: closed.period })}</button>` : null}
    </p>`;
  }
  return html`<${ChartCanvas} name="distribution" config=${config} label=${t("dash.distribution")} />`;
}

function Indicators({ rows }) {
  if (!rows.length) return html`<p class="muted">${t("common.none")}</p>`;
  return html`<${IndicatorChart} rows=${rows} label=${t("dash.completion")} title=${t("dash.byIndicator")} />
    <details><summary>${t("dash.table")}</summary>
      <table data-test="indicator-table">
        <thead><tr><th>${t("dash.indicator")}</th><th class="num">${t("dash.people")}</th>
          <th class="num">${t("dash.target")}</th><th class="num">${t("dash.actual")}</th>
          <th class="num">${t("dash.completion")}</th><th class="num">${t("dash.behind")}</th></tr></thead>
        <tbody>${rows.map(
          (r) => html`<tr><td>${indicatorTitle(r)}</td><td class="num">${formatNumber(r.people)}</td>
            <td class="num">${formatNumber(r.target)}</td><td class="num">${formatNumber(r.actual)}</td>
            <td class="num">${formatPercent(r.completion)}</td><td class="num">${formatNumber(r.behind)}</td></tr>`,
        )}</tbody>
      </table>
    </details>`;
}

/** The ids of unit and the units below it, among those the viewer reads. */
function subtree(names, unit) {
  const found = new Set([unit]);
  let grown = true;
  while (grown) {
    grown = false;
    for (const u of names.values()) {
      if (u.parent && found.has(u.parent.id) && !found.has(u.id)) {
        found.add(u.id);
        grown = true;
      }
    }
  }
  return found;
}

function Progress({ cycle, unit, progress, names }) {
  const { data, error, loading } = useQuery(BY_UNIT, { cycle }, [cycle]);
  // the report is of the whole scope: a chosen unit shows its subtree's rows
  const within = unit ? subtree(names, unit) : null;
  const rows = nodes(data?.planReport).filter((r) => !within || within.has(r.orgUnitId));
  const config = useMemo(
    () => ({
      type: "bar",
      data: {
        labels: rows.map((r) => nameOf(names, r.orgUnitId, r.orgUnitId)),
        datasets: [
          {
            type: "line",
            label: t("dash.expected"),
            data: rows.map(() => percent(progress.expectedProgress)),
            borderColor: PALETTE[1],
            backgroundColor: PALETTE[1],
            pointRadius: 0,
          },
          {
            label: t("dash.completion"),
            data: rows.map((r) => percent(r.completion)),
            backgroundColor: rows.map((r) => ((r.completion ?? 0) < progress.expectedProgress ? PALETTE[3] : PALETTE[2])),
          },
        ],
      },
      options: { scales: { y: { beginAtZero: true, title: { display: true, text: "%" } } } },
    }),
    [data, unit, names, progress, t("dash.completion")],
  );
  return html`<div class="cards">
      <${Stat} label=${t("dash.people")} value=${formatNumber(progress.people)} />
      <${Stat} label=${t("dash.completion")} value=${formatPercent(progress.completion)} />
      <${Stat} label=${t("dash.expected")} value=${formatPercent(progress.expectedProgress)} />
      <${Stat} label=${t("dash.behindItems")} value=${html`<span data-test="behind">${formatNumber(progress.behind)}</span>`} />
    </div>
    ${error ? html`<${ErrorBox} error=${error} />` : loading ? html`<${Loading} />` : rows.length
      ? html`<${ChartCanvas} name="progress" config=${config} label=${t("dash.progress")} />`
      : null}`;
}

function Comparison({ cycle, employee }) {
  const { data, error, loading } = useQuery(COMPARISON, { cycle, employee }, [cycle, employee]);
  if (error) return html`<${ErrorBox} error=${error} />`;
  if (loading) return html`<${Loading} />`;
  const c = data?.scorecardComparison;
  if (!c) return null;
  return html`<table data-test="comparison">
    <thead><tr><th>${t("dash.indicator")}</th><th class="num">${c.previousPeriod ?? "–"}</th>
      <th class="num">${c.period}</th><th class="num">${t("dash.change")}</th></tr></thead>
    <tbody>
      ${c.items.map(
        (i) => html`<tr><td>${pick(i.titles) || i.key}</td><td class="num">${formatPercent(i.previousCompletion)}</td>
          <td class="num">${formatPercent(i.completion)}</td><td class="num">${formatPercent(i.completionDelta)}</td></tr>`,
      )}
      <tr><th>${t("dash.completion")}</th><th class="num">${formatPercent(c.previousCompletion)}</th>
        <th class="num">${formatPercent(c.completion)}</th><th class="num">${formatPercent(c.completionDelta)}</th></tr>
    </tbody>
  </table>`;
}

function Trend({ cycle, unit, people }) {
  const [person, setPerson] = useState("");
  const subject = person ? { employee: person } : unit ? { orgUnit: unit } : null;
  const { data, error, loading } = useQuery(subject ? TREND : null, { cycle, subject }, [cycle, JSON.stringify(subject)]);
  const points = data?.trend ?? [];
  const config = useMemo(
    () => ({
      type: "line",
      data: {
        labels: points.map((p) => p.period),
        datasets: [
          { label: t("dash.completion"), data: points.map((p) => percent(p.completion)), borderColor: PALETTE[0], backgroundColor: PALETTE[0], yAxisID: "y" },
          {
            label: person ? t("dash.total") : t("dash.meanTotal"),
            data: points.map((p) => (person ? p.total : p.meanTotal)),
            borderColor: PALETTE[1],
            backgroundColor: PALETTE[1],
            yAxisID: "y1",
          },
        ],
      },
      options: {
        scales: {
          y: { beginAtZero: true, position: "left", title: { display: true, text: "%" } },
          y1: { beginAtZero: true, position: "right", grid: { drawOnChartArea: false } },
        },
      },
    }),
    [data, person, t("dash.completion")],
  );
  return html`<p class="row">
      <label class="row">${t("dash.trendOf")}
        <select value=${person} onChange=${(e) => setPerson(e.target.value)} data-test="trend-subject">
          <option value="">${t("dash.theUnit")}</option>
          ${people.map((p) => html`<option value=${p.id}>${p.name} (${p.employeeNo})</option>`)}
        </select>
      </label>
    </p>
    ${!subject ? html`<p class="muted">${t("dash.pickSubject")}</p>`
      : error ? html`<${ErrorBox} error=${error} />`
      : loading ? html`<${Loading} />`
      : html`<${ChartCanvas} name="trend" config=${config} label=${t("dash.trend")} />`}
    ${person ? html`<h3>${t("dash.comparison")}</h3><${Comparison} cycle=${cycle} employee=${person} />` : null}`;
}

function Board({ cycle, unit, names, people, rootUnit, closed, onCycle }) {
  const { data, error, loading } = useQuery(DASHBOARD, { cycle, unit: unit || null }, [cycle, unit]);
  if (error) return html`<${ErrorBox} error=${error} />`;
  if (loading || !data) return html`<${Loading} />`;
  const { progress, indicators, results, units } = data.dashboard;
  return html`
    <${Section} name="progress" title=${t("dash.progress")}>
      <${Progress} cycle=${cycle} unit=${unit} progress=${progress} names=${names} />
    <//>
    <${Section} name="distribution" title=${t("dash.distribution")}>
      ${results
        ? html`<p class="muted">${t("dash.resultsSummary", { people: formatNumber(results.people), mean: formatNumber(results.meanTotal, { maximumFractionDigits: 1 }) })}</p>
          <${Distribution} units=${units} order=${results.bands.map((b) => b.band)} names=${names}
            closed=${closed?.id === cycle ? null : closed} onCycle=${onCycle} />`
        : html`<p class="muted">${t("dash.noResultRead")}</p>`}
    <//>
    <${Section} name="indicators" title=${t("dash.byIndicator")}>
      <${Indicators} rows=${indicators} />
    <//>
    <${Section} name="trend" title=${t("dash.trend")}>
      <${Trend} cycle=${cycle} unit=${unit || rootUnit} people=${people} />
    <//>`;
}

function Dashboards() {
  useTitle(t("dash.title"));
  const choices = useQuery(CHOICES);
  const [cycle, setCycle] = useState(null);
  const [unit, setUnit] = useState("");
  const cycles = nodes(choices.data?.cycles).filter((c) => !c.isSummary);
  const units = nodes(choices.data?.orgUnits);
  const people = nodes(choices.data?.employees);
  const names = useMemo(() => new Map(units.map((u) => [u.id, u])), [choices.data]);
  const ids = new Set(units.map((u) => u.id));
  const rootUnit = units.find((u) => !u.parent || !ids.has(u.parent.id))?.id ?? null;
  const chosen = cycle ?? startCycle(cycles)?.id;
  if (choices.error) return html`<${ErrorBox} error=${choices.error} />`;
  if (choices.loading) return html`<${Loading} />`;
  return html`<div>
    <h1>${t("dash.title")}</h1>
    <p class="row">
      <${CyclePicker} cycles=${cycles} value=${chosen} onChange=${setCycle} />
      <label class="row">${t("dash.unit")}
        <select value=${unit} onChange=${(e) => setUnit(e.target.value)} data-test="unit-picker">
          <option value="">${t("dash.allInScope")}</option>
          ${units.map((u) => html`<option value=${u.id}>${unitName(u)}</option>`)}
        </select>
      </label>
    </p>
    ${chosen
      ? html`<${Board} cycle=${chosen} unit=${unit} names=${names} people=${people} rootUnit=${rootUnit}
          closed=${lastClosed(cycles, chosen)} onCycle=${setCycle} />`
      : html`<p class="muted">${t("dash.noCycle")}</p>`}
  </div>`;
}

export const page = {
  route: "/dashboards",
  title: "dash.title",
  nav: 15,
  requires: ["report.read"],
  view: Dashboards,
};

// The cycle's payout list (`payoutList`): its version and status, the totals per
// org unit against their budgets (over-budget flagged), the lines, generating a
// new version (`generatePayoutList`, its warnings), approving one
// (`approvePayoutList`) and the .xlsx / .csv export (fetched with the token).
import { ERROR_FIELDS, mutate } from "../lib/api.js";
import { download } from "../lib/downloads.js";
import { EVALUATION_NEEDS, EvaluationCycle, EvaluationLinks } from "../lib/evaluation.js";
import { formatNumber, pick, t } from "../lib/i18n.js";
import { html, useState } from "../lib/preact.js";
import { can } from "../lib/session.js";
import { ErrorBox, FieldErrors, Loading, Stat, useQuery, useTitle } from "../lib/ui.js";

const LIST_FIELDS = `version status stale amount people unpaid createdAt approvedAt
  versions { version status }
  units { orgUnitId code name amount people unpaid budget over remaining }
  overBudget { orgUnitId name amount budget remaining }`;

const PAYOUTS = `query Payouts($cycle: ID!, $version: Int) {
  payoutList(cycle: $cycle, version: $version) {
    ${LIST_FIELDS}
    lines(first: 100) { totalCount edges { node {
      employeeId employeeNo employeeName orgUnitName resultVersion rating tier tierTitle { zhCN en }
      base baseSource multiplier amount flags } } }
  }
}`;

const GENERATE = `mutation Generate($cycle: ID!) {
  generatePayoutList(cycle: $cycle) { payoutList { version } warnings ${ERROR_FIELDS} }
}`;

const APPROVE = `mutation Approve($cycle: ID!, $version: Int!) {
  approvePayoutList(cycle: $cycle, version: $version) { payoutList { version status } ${ERROR_FIELDS} }
}`;

/** Money as the API sends it (decimal text), in the viewer's number format. */
function money(text) {
  return text == null ? "–" : formatNumber(Number(text), { minimumFractionDigits: 2, maximumFractionDigits: 2 });
}

function Units({ units }) {
  return html`<table data-test="payout-units">
    <thead><tr><th>${t("evaluation.payouts.unit")}</th><th class="num">${t("evaluation.payouts.people")}</th>
      <th class="num">${t("evaluation.payouts.unpaid")}</th><th class="num">${t("evaluation.payouts.amount")}</th>
      <th class="num">${t("evaluation.payouts.budget")}</th><th class="num">${t("evaluation.payouts.remaining")}</th></tr></thead>
    <tbody>${units.map((u) => html`<tr data-unit=${u.code} class=${u.over ? "over" : ""}>
      <td>${u.name} <span class="muted">${u.code}</span>
        ${u.over ? html` <span class="badge warn" data-test="over-budget">${t("evaluation.payouts.over")}</span>` : null}</td>
      <td class="num">${formatNumber(u.people)}</td><td class="num">${formatNumber(u.unpaid)}</td>
      <td class="num">${money(u.amount)}</td><td class="num">${money(u.budget)}</td><td class="num">${money(u.remaining)}</td>
    </tr>`)}</tbody>
  </table>`;
}

function Lines({ lines }) {
  return html`<p class="muted">${t("evaluation.payouts.lines", { count: lines.totalCount })}</p>
    <table data-test="payout-lines">
      <thead><tr><th>${t("evaluation.results.no")}</th><th>${t("evaluation.results.name")}</th><th>${t("evaluation.payouts.unit")}</th>
        <th>${t("evaluation.results.rating")}</th><th>${t("evaluation.payouts.tier")}</th><th class="num">${t("evaluation.payouts.base")}</th>
        <th class="num">${t("evaluation.results.multiplier")}</th><th class="num">${t("evaluation.payouts.amount")}</th></tr></thead>
      <tbody>${lines.edges.map(({ node: l }) => html`<tr>
        <td>${l.employeeNo}</td><td>${l.employeeName}</td><td>${l.orgUnitName}</td><td>${l.rating ?? "–"} <span class="muted">v${l.resultVersion}</span></td>
        <td>${l.tierTitle ? pick(l.tierTitle) : l.tier ?? "–"}</td>
        <td class="num">${money(l.base)} <span class="muted">${l.baseSource}</span></td>
        <td class="num">${l.multiplier ?? "–"}</td>
        <td class="num">${money(l.amount)} ${l.flags.map((f) => html` <span class="badge warn">${f}</span>`)}</td>
      </tr>`)}</tbody>
    </table>`;
}

function Payouts({ viewer, cycle }) {
  const [version, setVersion] = useState(null);
  const [round, setRound] = useState(0);
  const [action, setAction] = useState({ error: null, warnings: [], busy: false, downloadError: null });
  const { data, error, loading } = useQuery(PAYOUTS, { cycle: cycle.id, version }, [cycle.id, version, round]);
  const manage = can(viewer, "payout.manage");
  const act = async (run) => {
    setAction({ error: null, warnings: [], busy: true, downloadError: null });
    try {
      const warnings = (await run()) ?? [];
      setAction({ error: null, warnings, busy: false, downloadError: null });
      setRound((r) => r + 1);
    } catch (exc) {
      setAction({ error: exc, warnings: [], busy: false, downloadError: null });
    }
  };
  const generate = () =>
    act(async () => {
      const payload = await mutate(GENERATE, { cycle: cycle.id }, "generatePayoutList");
      setVersion(null);
      return payload.warnings;
    });
  const approve = (v) => act(() => mutate(APPROVE, { cycle: cycle.id, version: v }, "approvePayoutList").then(() => []));
  const exportAs = async (format) => {
    try {
      const query = `cycle=${encodeURIComponent(cycle.id)}&format=${format}${version ? `&version=${version}` : ""}`;
      await download(`exports/payouts?${query}`, `payouts-cycle${cycle.id}.${format}`);
    } catch (exc) {
      setAction((s) => ({ ...s, downloadError: exc }));
    }
  };

  const list = data?.payoutList;
  const actions = html`<div class="row">
      ${manage ? html`<button onClick=${generate} disabled=${action.busy} data-test="generate">${t("evaluation.payouts.generate")}</button>` : null}
      ${manage && list && list.status !== "APPROVED"
        ? html`<button class="primary" onClick=${() => approve(list.version)} disabled=${action.busy || list.stale}
            data-test="approve">${t("evaluation.payouts.approve", { version: list.version })}</button>`
        : null}
      ${list
        ? html`<button onClick=${() => exportAs("xlsx")} data-test="export-xlsx">${t("evaluation.payouts.export", { format: "xlsx" })}</button>
            <button onClick=${() => exportAs("csv")}>${t("evaluation.payouts.export", { format: "csv" })}</button>`
        : null}
    </div>
    <div data-test="payout-errors"><${FieldErrors} errors=${action.error?.errors} /><${FieldErrors} errors=${action.downloadError?.errors} /></div>
    ${action.warnings.length ? html`<ul class="warnings">${action.warnings.map((w) => html`<li class="badge warn">${w}</li>`)}</ul>` : null}`;
  if (error) return html`${actions}<${ErrorBox} error=${error} />`;
  if (loading && !data) return html`<${Loading} />`;
  if (!list) return html`${actions}<p class="muted" data-test="no-payouts">${t("evaluation.payouts.none")}</p>`;
  return html`
    <p class="row">
      <label class="row">${t("evaluation.payouts.version")}
        <select value=${list.version} onChange=${(e) => setVersion(Number(e.target.value))}>
          ${list.versions.map((v) => html`<option value=${v.version}>${v.version} · ${t(`evaluation.payoutStatus.${v.status}`)}</option>`)}
        </select></label>
      <span class=${`badge ${list.status === "APPROVED" ? "good" : ""}`} data-test="payout-status">${t(`evaluation.payoutStatus.${list.status}`)}</span>
      ${list.stale ? html`<span class="badge warn">${t("evaluation.payouts.stale")}</span>` : null}
    </p>
    ${actions}
    <div class="cards">
      <${Stat} label=${t("evaluation.payouts.amount")} value=${money(list.amount)} />
      <${Stat} label=${t("evaluation.payouts.people")} value=${formatNumber(list.people)} />
      <${Stat} label=${t("evaluation.payouts.unpaid")} value=${formatNumber(list.unpaid)} />
      <${Stat} label=${t("evaluation.payouts.overCount")} value=${formatNumber(list.overBudget.length)} />
    </div>
    <section class="card"><h2>${t("evaluation.payouts.units")}</h2><${Units} units=${list.units} /></section>
    <section class="card"><h2>${t("evaluation.payouts.lineTitle")}</h2><${Lines} lines=${list.lines} /></section>
    <${EvaluationLinks} viewer=${viewer} cycle=${cycle.id} here="payouts" />`;
}

function PayoutsPage({ viewer, params }) {
  useTitle(t("evaluation.payouts.title"));
  return html`<div>
    <h1>${t("evaluation.payouts.title")}</h1>
    <${EvaluationCycle} base="/evaluation/payouts" cycle=${params.cycle}
      render=${(cycle) => html`<${Payouts} viewer=${viewer} cycle=${cycle} key=${cycle.id} />`} />
  </div>`;
}

export const page = {
  route: "/evaluation/payouts",
  title: "evaluation.payouts.title",
  nav: 74,
  requires: EVALUATION_NEEDS.payouts,
  view: PayoutsPage,
};

export const cyclePage = { ...page, route: "/evaluation/payouts/:cycle", nav: undefined };

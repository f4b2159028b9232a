// Cycles: every cycle of the tenant with its current stage, the stages past their due
// date (overdueStages), and opening a cycle of an installed app for a period
// (openCycle: one of the cycle templates the app bundles), errors next to each field.
import { ERROR_FIELDS, errorsAt, mutate } from "../lib/api.js";
import { pick, t } from "../lib/i18n.js";
import { unitLabel } from "../lib/orgunits.js";
import { html, useState } from "../lib/preact.js";
import { href, navigate } from "../lib/router.js";
import { ErrorBox, FieldErrors, Loading, useQuery, useTitle } from "../lib/ui.js";

const CYCLES = `query Cycles {
  cycles(first: 100) { edges { node {
    id period isSummary template stage status startsOn endsOn app { id app orgUnit { name nameEn } }
    currentStage { title { zhCN en } dueOn }
  } } }
  overdueStages { cycle { id period template } stage { key title { zhCN en } dueOn } daysOverdue }
  installedApps(status: "active") { id app appKey appVersion orgUnit { name nameEn } }
}`;
const APP_CYCLES = `query AppCycles($key: String!, $version: Int) { template(key: $key, version: $version) { document } }`;
const OPEN = `mutation Open($app: ID!, $cycle: String!, $period: String!) {
  openCycle(app: $app, cycle: $cycle, period: $period) { cycle { id } ${ERROR_FIELDS} }
}`;

function OpenForm({ apps }) {
  const newest = apps.reduce((a, b) => (Number(b.id) > Number(a?.id ?? 0) ? b : a), null);
  const [appId, setAppId] = useState(newest?.id ?? "");
  const app = apps.find((a) => a.id === appId);
  const { data } = useQuery(app ? APP_CYCLES : null, { key: app?.appKey, version: app?.appVersion }, [appId]);
  const bundled = data?.template?.document.components?.cycles ?? [];
  const [cycle, setCycle] = useState("");
  const [period, setPeriod] = useState("");
  const [state, setState] = useState({ busy: false, error: null });
  const chosen = cycle || bundled[0] || "";
  const open = async () => {
    setState({ busy: true, error: null });
    try {
      const payload = await mutate(OPEN, { app: appId, cycle: chosen, period: period.trim() }, "openCycle");
      navigate(`/cycles/${payload.cycle.id}`);
    } catch (error) {
      setState({ busy: false, error });
    }
  };
  const at = (field) => errorsAt(state.error, [field]);
  const placed = ["app", "cycle", "period"].flatMap(at);
  const rest = state.error?.errors?.filter((e) => !placed.includes(e));
  return html`<div class="card form" data-test="open-cycle">
    <label>${t("cycles.app")}
      <select value=${appId} onChange=${(e) => { setAppId(e.target.value); setCycle(""); }} data-test="open-app">
        ${apps.map((a) => html`<option value=${a.id}>${a.app} · ${unitLabel(a.orgUnit)} (#${a.id})</option>`)}
      </select></label>
    <${FieldErrors} errors=${at("app")} />
    <label>${t("cycles.template")}
      <select value=${chosen} onChange=${(e) => setCycle(e.target.value)} data-test="open-template">
        ${bundled.map((ref) => html`<option value=${ref}>${ref}</option>`)}
      </select></label>
    <${FieldErrors} errors=${at("cycle")} />
    <label>${t("cycles.period")}
      <input type="text" value=${period} placeholder="2027-01, 2027-Q1, 2027-H1, 2027"
        onInput=${(e) => setPeriod(e.target.value)} data-test="open-period" /></label>
    <${FieldErrors} errors=${at("period")} />
    <p><button class="primary" disabled=${state.busy || !appId || !chosen} onClick=${open} data-test="open">${t("cycles.open")}</button></p>
    ${rest?.length ? html`<${ErrorBox} error=${{ errors: rest }} />` : null}
  </div>`;
}

function Overdue({ stages }) {
  if (!stages.length) return html`<p class="muted" data-test="overdue">${t("cycles.noOverdue")}</p>`;
  return html`<table data-test="overdue">
    <thead><tr><th>${t("cycles.cycle")}</th><th>${t("cycles.stage")}</th><th>${t("cycles.due")}</th><th class="num">${t("cycles.daysOverdue")}</th></tr></thead>
    <tbody>${stages.map((o) => html`<tr>
      <td><a href=${href(`/cycles/${o.cycle.id}`)}>${o.cycle.period} · ${o.cycle.template}</a></td>
      <td>${pick(o.stage.title)}</td><td>${o.stage.dueOn}</td>
      <td class="num"><span class="badge warn">${o.daysOverdue}</span></td>
    </tr>`)}</tbody>
  </table>`;
}

function Cycles() {
  useTitle(t("cycles.title"));
  const { data, error, loading } = useQuery(CYCLES);
  if (error) return html`<${ErrorBox} error=${error} />`;
  if (loading) return html`<${Loading} />`;
  const cycles = data.cycles.edges.map((e) => e.node);
  return html`<div>
    <h1>${t("cycles.title")}</h1>
    <table data-test="cycles">
      <thead><tr><th>${t("cycles.period")}</th><th>${t("cycles.template")}</th><th>${t("cycles.app")}</th>
        <th>${t("cycles.stage")}</th><th>${t("cycles.due")}</th><th>${t("cycles.status")}</th></tr></thead>
      <tbody>${cycles.map((c) => html`<tr data-cycle=${c.id}>
        <td><a href=${href(`/cycles/${c.id}`)}>${c.period}</a>${c.isSummary ? html` <span class="badge">${t("cycles.summary")}</span>` : null}</td>
        <td><code>${c.template}</code></td>
        <td>${c.app ? html`<code>${c.app.app}</code> · ${unitLabel(c.app.orgUnit)}` : "–"}</td>
        <td>${c.currentStage ? pick(c.currentStage.title) : c.stage}</td>
        <td>${c.currentStage?.dueOn ?? "–"}</td>
        <td><span class=${`badge${c.status === "open" ? " good" : ""}`}>${t(`cycles.status.${c.status}`)}</span></td>
      </tr>`)}</tbody>
    </table>
    <h2>${t("cycles.overdue")}</h2>
    <${Overdue} stages=${data.overdueStages} />
    <h2>${t("cycles.openTitle")}</h2>
    ${data.installedApps.length ? html`<${OpenForm} apps=${data.installedApps} />` : html`<p class="muted">${t("apps.none")}</p>`}
  </div>`;
}

export const page = {
  route: "/cycles",
  title: "cycles.title",
  nav: 60,
  requires: ["cycle.read", "cycle.manage"],
  view: Cycles,
};

// Assign plan items in bulk: indicators chosen from a KPI library with their weights
// and targets, for the active people of an org unit's subtree and/or a position
// (assignScorecardItems, all or nothing; signed plans re-open, with a reason).
// With tenant scope (HR) it runs as a job, department by department
// (startAssignScorecardItems), followed by the jobProgress subscription (lib/jobs.js).
import { ERROR_FIELDS, mutate } from "../lib/api.js";
import { OpenCycle } from "../lib/cycles.js";
import { formatNumber, pick, t } from "../lib/i18n.js";
import { followJob } from "../lib/jobs.js";
import { errorsFor, unitName, usePeople } from "../lib/manager.js";
import { html, useEffect, useState } from "../lib/preact.js";
import { href } from "../lib/router.js";
import { scopeOf } from "../lib/session.js";
import { ErrorBox, FieldErrors, Loading, ProgressBar, useQuery, useTitle } from "../lib/ui.js";

const LIBRARIES = `query Libraries { templates(kind: "kpi-library", first: 100) { edges { node { key version title { zhCN en } } } } }`;
const LIBRARY = `query Library($key: String!, $version: Int) { template(key: $key, version: $version) { document } }`;
const ARGS = `$cycle: ID!, $items: [ScorecardItemInput!]!, $orgUnit: ID, $position: String, $reason: String`;
const PASS = `cycle: $cycle, items: $items, orgUnit: $orgUnit, position: $position, reason: $reason`;
const ASSIGN = `mutation Assign(${ARGS}) { assignScorecardItems(${PASS}) {
  scorecards { id } reopened removedItems { scorecard keys } ${ERROR_FIELDS} } }`;
const START = `mutation StartAssign(${ARGS}) { startAssignScorecardItems(${PASS}) {
  job { id } created ${ERROR_FIELDS} } }`;

function JobProgress({ id, onEnd }) {
  const [job, setJob] = useState(null);
  useEffect(() => followJob(id, (next) => {
    setJob(next);
    if (!next || ["SUCCEEDED", "FAILED"].includes(next.status)) onEnd(next);
  }), [id]);
  if (!job) return html`<${Loading} />`;
  const result = job.result ?? {};
  return html`<div data-test="job" data-status=${job.status}>
    <${ProgressBar} share=${job.total ? job.done / job.total : 0} />
    <span class="muted">${t(`assign.job.${job.status}`)} ${formatNumber(job.done)} / ${formatNumber(job.total)}</span>
    ${job.status === "SUCCEEDED" ? html` <span class="badge good" data-test="assigned">${t("assign.done", {
      assigned: formatNumber(result.assigned ?? 0), reopened: formatNumber(result.reopened ?? 0), removed: formatNumber(result.removed ?? 0) })}</span>` : null}
    ${job.error ? html`<div class="error">${job.error.message}</div>` : null}
  </div>`;
}

function Indicators({ doc, chosen, setChosen, error }) {
  const rows = (doc.indicators ?? []).filter((i) => !i.auxiliary);
  const set = (key, field, value) => setChosen((c) => ({ ...c, [key]: { ...c[key], [field]: value } }));
  const total = Object.values(chosen).filter((c) => c.on).reduce((s, c) => s + Number(c.weight || 0), 0);
  return html`<table data-test="indicators">
    <thead><tr><th></th><th>${t("assign.indicator")}</th><th class="num">${t("scorecard.weight")}</th>
      <th class="num">${t("scorecard.target")}</th></tr></thead>
    <tbody>${rows.map((ind, index) => {
      const c = chosen[ind.key] ?? {};
      return html`<tr data-indicator=${ind.key}>
        <td><input type="checkbox" checked=${!!c.on} onChange=${(e) => set(ind.key, "on", e.target.checked)} data-test="pick" /></td>
        <td>${pick(ind.name)} <span class="muted">${ind.unit ?? ""}</span>
          <${FieldErrors} errors=${c.on ? errorsFor(error, ["items"], ind.key, c.index) : []} /></td>
        <td class="num"><input type="number" step="any" style="width:6rem" disabled=${!c.on} value=${c.weight ?? ""}
          onInput=${(e) => set(ind.key, "weight", e.target.value)} data-test="weight" /></td>
        <td class="num"><input type="number" step="any" style="width:9rem" disabled=${!c.on} value=${c.target ?? ""}
          onInput=${(e) => set(ind.key, "target", e.target.value)} data-test="target" /></td>
      </tr>`;
    })}</tbody>
    <tfoot><tr><td></td><td>${t("assign.totalWeight")}</td><td class="num" data-test="total-weight">${formatNumber(total)}</td><td></td></tr></tfoot>
  </table>`;
}

function AssignForm({ viewer, cycle }) {
  const libraries = useQuery(LIBRARIES);
  const people = usePeople();
  const [library, setLibrary] = useState("");
  const [chosen, setChosen] = useState({});
  const [target, setTarget] = useState({ orgUnit: viewer.employee?.orgUnit?.id ?? "", position: "", reason: "" });
  const [state, setState] = useState({ busy: false, error: null, result: null, job: null });
  const [key, version] = library.split("@");
  const doc = useQuery(library ? LIBRARY : null, { key, version: Number(version) }, [library]);
  const asJob = scopeOf(viewer, "scorecard.manage") === "tenant";
  if (libraries.error || people.error) return html`<${ErrorBox} error=${libraries.error ?? people.error} />`;
  if (libraries.loading || people.loading) return html`<${Loading} />`;
  const submit = async (event) => {
    event.preventDefault();
    const picked = Object.entries(chosen).filter(([, c]) => c.on);
    const items = picked.map(([indicator, c]) => ({
      library, indicator, key: indicator, weight: Number(c.weight || 0), target: c.target === "" || c.target == null ? null : Number(c.target),
    }));
    setChosen((all) => Object.fromEntries(Object.entries(all).map(([k, c]) => [k, { ...c, index: picked.findIndex(([p]) => p === k) }])));
    const variables = { cycle, items, orgUnit: target.orgUnit || null, position: target.position || null, reason: target.reason || null };
    setState({ busy: true, error: null, result: null, job: null });
    try {
      if (asJob) {
        const payload = await mutate(START, variables, "startAssignScorecardItems");
        setState({ busy: true, error: null, result: null, job: payload.job.id });
      } else {
        const payload = await mutate(ASSIGN, variables, "assignScorecardItems");
        setState({ busy: false, error: null, result: { assigned: payload.scorecards.length, reopened: payload.reopened, removed: payload.removedItems.length }, job: null });
      }
    } catch (error) {
      setState({ busy: false, error, result: null, job: null });
    }
  };
  const topErrors = state.error?.errors?.filter((e) => e.source !== "payload" || e.path[0] !== "items");
  return html`<form onSubmit=${submit} data-test="assign">
    <div class="row" style="align-items:flex-start">
      <label>${t("assign.library")}
        <select value=${library} onChange=${(e) => { setLibrary(e.target.value); setChosen({}); }} data-test="library">
          <option value="">–</option>
          ${libraries.data.templates.edges.map(({ node }) => html`<option value=${`${node.key}@${node.version}`}>${pick(node.title)} (${node.key}@${node.version})</option>`)}
        </select></label>
      <label>${t("goal.orgUnit")}
        <select value=${target.orgUnit} onChange=${(e) => setTarget({ ...target, orgUnit: e.target.value })} data-test="org-unit">
          <option value="">–</option>
          ${[...people.units.values()].map((u) => html`<option value=${u.id}>${unitName(u)}</option>`)}
        </select><${FieldErrors} errors=${errorsFor(state.error, [], "orgUnit")} /></label>
      <label>${t("goal.position")}
        <input type="text" value=${target.position} onInput=${(e) => setTarget({ ...target, position: e.target.value })} />
        <${FieldErrors} errors=${errorsFor(state.error, [], "position")} /></label>
      <label>${t("assign.reason")}
        <input type="text" value=${target.reason} onInput=${(e) => setTarget({ ...target, reason: e.target.value })} data-test="reason" />
        <${FieldErrors} errors=${errorsFor(state.error, [], "reason")} /></label>
    </div>
    ${doc.error ? html`<${ErrorBox} error=${doc.error} />` : null}
    ${doc.data?.template ? html`<${Indicators} doc=${doc.data.template.document} chosen=${chosen} setChosen=${setChosen} error=${state.error} />` : null}
    ${topErrors?.length ? html`<${ErrorBox} error=${{ errors: topErrors }} />` : null}
    <p class="row"><button class="primary" disabled=${state.busy || !library} data-test="assign-submit">
      ${asJob ? t("assign.startJob") : t("assign.submit")}</button>
      ${state.result ? html`<span class="badge good" data-test="assigned">${t("assign.done", state.result)}</span>` : null}</p>
    ${state.job ? html`<${JobProgress} id=${state.job} onEnd=${() => setState((s) => ({ ...s, busy: false }))} />` : null}
  </form>`;
}

function Assign({ viewer }) {
  useTitle(t("assign.title"));
  return html`<div>
    <p><a href=${href("/team")}>← ${t("team.title")}</a></p>
    <h1>${t("assign.title")}</h1>
    <p class="muted">${t("assign.intro")}</p>
    <${OpenCycle} render=${(cycle) => html`<${AssignForm} key=${cycle} viewer=${viewer} cycle=${cycle} />`} />
  </div>`;
}

export const page = {
  route: "/assign",
  title: "assign.title",
  nav: 52,
  requires: ["scorecard.manage"],
  view: Assign,
};

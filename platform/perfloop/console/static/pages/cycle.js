// One cycle: its stages in order with their due dates, the current one marked, the
// stage log, and moving it to the next stage (advanceCycle). The guards that block the
// move are shown next to the button in the chosen language, with their reasons; HR
// with cycle.override may override them with a reason.
import { ERROR_FIELDS, gql } from "../lib/api.js";
import { formatDateTime, pick, t } from "../lib/i18n.js";
import { unitLabel } from "../lib/orgunits.js";
import { html, useState } from "../lib/preact.js";
import { href } from "../lib/router.js";
import { can } from "../lib/session.js";
import { ErrorBox, Loading, useQuery, useTitle } from "../lib/ui.js";

const CYCLE_FIELDS = `id period periodKind isSummary template stage status startsOn endsOn
  app { id app orgUnit { name nameEn } }
  stages { key position phase title { zhCN en } dueOn status startedAt completedAt }
  transitions { fromStage toStage at overrideReason by { displayName } }`;
const CYCLE = `query Cycle($id: ID!) { cycle(id: $id) { ${CYCLE_FIELDS} } }`;
const GUARD = "key check message { zhCN en } reasons";
const ADVANCE = `mutation Advance($id: ID!, $override: GuardOverrideInput) {
  advanceCycle(id: $id, override: $override) {
    cycle { ${CYCLE_FIELDS} } blockedBy { ${GUARD} } overridden { ${GUARD} } ${ERROR_FIELDS}
  }
}`;

function Stages({ cycle }) {
  const today = new Date().toISOString().slice(0, 10);
  return html`<table data-test="stages">
    <thead><tr><th>#</th><th>${t("cycles.stage")}</th><th>${t("cycles.phase")}</th><th>${t("cycles.due")}</th>
      <th>${t("cycles.status")}</th><th>${t("cycles.started")}</th><th>${t("cycles.completed")}</th></tr></thead>
    <tbody>${cycle.stages.map((s) => {
      const overdue = s.dueOn && s.dueOn < today && s.status !== "done";
      return html`<tr data-stage=${s.key} data-status=${s.status} class=${s.key === cycle.stage ? "current" : ""}>
        <td>${s.position + 1}</td>
        <td>${pick(s.title)} ${s.key === cycle.stage ? html`<span class="badge good">${t("cycles.current")}</span>` : null}</td>
        <td>${s.phase}</td>
        <td>${s.dueOn ?? "–"} ${overdue ? html`<span class="badge warn">${t("cycles.overdueBadge")}</span>` : null}</td>
        <td>${t(`cycles.stageStatus.${s.status}`)}</td>
        <td>${formatDateTime(s.startedAt)}</td><td>${formatDateTime(s.completedAt)}</td>
      </tr>`;
    })}</tbody>
  </table>`;
}

function Guards({ failures, test }) {
  return html`<ul class="problems" data-test=${test}>${failures.map((f) => html`<li class="bad" data-guard=${f.key}>
    <strong>${pick(f.message)}</strong> <span class="badge">${f.key}</span>
    ${f.reasons.length ? html`<ul>${f.reasons.map((r) => html`<li>${r}</li>`)}</ul>` : null}
  </li>`)}</ul>`;
}

function Advance({ viewer, cycle, onMoved }) {
  const [state, setState] = useState({ busy: false, blocked: [], error: null, overridden: [] });
  const [reason, setReason] = useState("");
  const at = cycle.stages.findIndex((s) => s.key === cycle.stage);
  const next = at >= 0 ? cycle.stages[at + 1] : null;
  if (cycle.status !== "open" || !next || !can(viewer, "cycle.manage")) return null;
  const advance = async (override) => {
    setState((s) => ({ ...s, busy: true, error: null }));
    try {
      const { advanceCycle: p } = await gql(ADVANCE, { id: cycle.id, override: override ? { reason } : null });
      // a blocking guard is listed with its own bilingual message; other errors as they are
      const shown = p.blockedBy.length
        ? p.errors.filter((e) => e.path[0] !== "guards" && !(e.detail === "guard-failed" && !e.path.length))
        : p.errors;
      setState({ busy: false, blocked: p.blockedBy, overridden: p.overridden, error: shown.length ? { errors: shown } : null });
      if (p.cycle && !p.errors.length) onMoved(p.cycle);
    } catch (error) {
      setState((s) => ({ ...s, busy: false, error }));
    }
  };
  return html`<div class="card" data-test="advance">
    <div class="row">
      <button class="primary" disabled=${state.busy} onClick=${() => advance(false)} data-test="advance-button">
        ${t("cycles.advance", { stage: pick(next.title) })}</button>
      ${state.blocked.length ? html`<span class="error">${t("cycles.blocked")}</span>` : null}
    </div>
    ${state.blocked.length ? html`<${Guards} failures=${state.blocked} test="blocked-by" />` : null}
    ${state.overridden.length ? html`<p class="muted">${t("cycles.overridden")}</p><${Guards} failures=${state.overridden} test="overridden" />` : null}
    ${state.blocked.length && can(viewer, "cycle.override")
      ? html`<div class="row">
          <input type="text" class="wide" value=${reason} placeholder=${t("cycles.overrideReason")} onInput=${(e) => setReason(e.target.value)} data-test="override-reason" />
          <button disabled=${state.busy} onClick=${() => advance(true)} data-test="override">${t("cycles.override")}</button>
        </div>`
      : null}
    <${ErrorBox} error=${state.error} />
  </div>`;
}

function CyclePage({ viewer, params }) {
  const { data, error, loading } = useQuery(CYCLE, { id: params.id }, [params.id]);
  const [moved, setMoved] = useState(null);
  const cycle = moved ?? data?.cycle;
  useTitle(cycle ? `${cycle.period} · ${cycle.template}` : t("cycles.title"));
  if (error) return html`<${ErrorBox} error=${error} />`;
  if (loading) return html`<${Loading} />`;
  if (!cycle) return html`<p class="muted">${t("cycles.unknown")}</p>`;
  return html`<div>
    <p><a href=${href("/cycles")}>← ${t("cycles.title")}</a></p>
    <h1>${cycle.period} · <code>${cycle.template}</code></h1>
    <p class="muted">${cycle.startsOn} – ${cycle.endsOn}
      ${cycle.app ? html` · <code>${cycle.app.app}</code> · ${unitLabel(cycle.app.orgUnit)}` : null}
      ${" · "}<span class="badge" data-test="cycle-status">${t(`cycles.status.${cycle.status}`)}</span></p>
    <${Advance} viewer=${viewer} cycle=${cycle} onMoved=${setMoved} />
    <${Stages} cycle=${cycle} />
    <h2>${t("cycles.log")}</h2>
    <ul data-test="transitions">${cycle.transitions.map((tr) => html`<li>${formatDateTime(tr.at)}: ${tr.fromStage ?? "–"} → ${tr.toStage} ${tr.by ? `(${tr.by.displayName})` : ""}
      ${tr.overrideReason ? html` <span class="badge warn">${t("cycles.overriddenBecause", { reason: tr.overrideReason })}</span>` : null}</li>`)}</ul>
  </div>`;
}

export const page = {
  route: "/cycles/:id",
  title: "cycles.title",
  requires: ["cycle.read"],
  view: CyclePage,
};

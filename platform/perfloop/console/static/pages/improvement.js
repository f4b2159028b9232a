// My improvement plan: the plans a cycle's results opened for the viewer
// (improvementPlans): why, the gaps, the plan's form as the owner filled it in, the
// topics and dates, the outcome; and check-ins, added here (addImprovementCheckin).
import { ERROR_FIELDS, errorsAt, mutate } from "../lib/api.js";
import { formatDateTime, formatNumber, formatPercent, pick, t } from "../lib/i18n.js";
import { JsonForm, useFormTemplate } from "../lib/jsonform.js";
import { OwnCyclePage, pastResults } from "../lib/mycycles.js";
import { html, useRef, useState } from "../lib/preact.js";
import { can } from "../lib/session.js";
import { ErrorBox, FieldErrors, Loading, useQuery } from "../lib/ui.js";

const PLAN_FIELDS = `id employeeId status form answers complete reason { zhCN en } gaps topics startsOn endsOn
  outcome outcomeNote checkins { id note progress at }`;

// the plan of the cycle gives the gaps' titles in both languages (a gap keeps one)
const PLANS = `query MyImprovement($cycle: ID!, $employee: ID!) {
  improvementPlans(cycle: $cycle, first: 20) { edges { node { ${PLAN_FIELDS} } } }
  scorecard(employee: $employee, cycle: $cycle) { items { key titles { zhCN en } } }
}`;

const CHECK_IN = `mutation CheckIn($plan: ID!, $note: String!, $progress: Float) {
  addImprovementCheckin(plan: $plan, note: $note, progress: $progress) {
    checkin { id } ${ERROR_FIELDS}
  }
}`;

function Gaps({ gaps, titles }) {
  return html`<table data-test="improvement-gaps">
    <thead><tr><th>${t("scorecard.item")}</th><th class="num">${t("scorecard.target")}</th>
      <th class="num">${t("scorecard.actual")}</th><th class="num">${t("scorecard.completion")}</th></tr></thead>
    <tbody>${gaps.map(
      (g) => html`<tr><td class="item-title">${pick(titles.get(g.key) ?? g.title)}</td>
        <td class="num">${formatNumber(g.target)} ${g.unit ?? ""}</td>
        <td class="num">${formatNumber(g.actual)} ${g.unit ?? ""}</td><td class="num">${formatPercent(g.completion)}</td></tr>`,
    )}</tbody>
  </table>`;
}

function CheckIn({ plan, onAdded }) {
  const [draft, setDraft] = useState({ note: "", progress: "" });
  const [state, setState] = useState({ busy: false, error: null });
  const add = async (event) => {
    event.preventDefault();
    setState({ busy: true, error: null });
    const progress = draft.progress === "" ? null : Number(draft.progress);
    try {
      await mutate(CHECK_IN, { plan: plan.id, note: draft.note, progress }, "addImprovementCheckin");
      setDraft({ note: "", progress: "" });
      setState({ busy: false, error: null });
      onAdded();
    } catch (error) {
      setState({ busy: false, error });
    }
  };
  const { error } = state;
  const other = error && !errorsAt(error, ["note"]).length && !errorsAt(error, ["progress"]).length;
  return html`<form class="stack" onSubmit=${add} data-test="improvement-checkin">
    <label>${t("checkin.note")}
      <textarea rows="2" value=${draft.note} onInput=${(e) => setDraft({ ...draft, note: e.target.value })} name="note"></textarea></label>
    <${FieldErrors} errors=${errorsAt(error, ["note"])} />
    <label>${t("checkin.progress")}
      <input type="number" min="0" max="1" step="0.05" value=${draft.progress} name="progress"
        onInput=${(e) => setDraft({ ...draft, progress: e.target.value })} /></label>
    <${FieldErrors} errors=${errorsAt(error, ["progress"])} />
    ${other ? html`<${ErrorBox} error=${error} />` : null}
    <div><button class="primary" disabled=${state.busy}>${t("checkin.add")}</button></div>
  </form>`;
}

function PlanForm({ plan }) {
  const { form, error } = useFormTemplate(plan.form);
  const editor = useRef(null);
  if (error) return html`<${ErrorBox} error=${error} />`;
  return form ? html`<${JsonForm} form=${form} value=${plan.answers} editorRef=${editor} disabled=${true} />` : html`<${Loading} />`;
}

function Plan({ plan, titles, viewer, onChange }) {
  const open = plan.status === "OPEN";
  return html`<div class="card" data-plan=${plan.id}>
    <p class="row"><span class=${`badge${open ? " warn" : " good"}`}>${t(`improvement.status.${plan.status}`)}</span>
      ${plan.outcome ? html`<strong>${t(`improvement.outcome.${plan.outcome}`)}</strong> ${plan.outcomeNote ?? ""}` : null}
      <span class="muted">${plan.startsOn ?? "…"} – ${plan.endsOn ?? "…"}</span></p>
    <p data-test="improvement-reason">${pick(plan.reason)}</p>
    <h2>${t("improvement.gaps")}</h2>
    <${Gaps} gaps=${plan.gaps} titles=${titles} />
    ${plan.topics.length ? html`<p>${t("improvement.topics")}: ${plan.topics.join(", ")}</p>` : null}
    <h2>${t("improvement.plan")}</h2>
    ${plan.complete ? null : html`<p class="muted">${t("improvement.incomplete")}</p>`}
    <${PlanForm} plan=${plan} />
    <h2>${t("improvement.checkins")}</h2>
    <ul data-test="improvement-checkins">
      ${plan.checkins.map((c) => html`<li>${formatDateTime(c.at)} · ${c.progress == null ? "" : formatPercent(c.progress)} ${c.note}</li>`)}
    </ul>
    ${open && can(viewer, "improvement.checkin") ? html`<${CheckIn} plan=${plan} onAdded=${onChange} />` : null}
  </div>`;
}

function Plans({ viewer, cycle }) {
  const variables = { cycle: cycle.id, employee: viewer.employee.id };
  const { data, error, loading, reload } = useQuery(PLANS, variables, [cycle.id]);
  if (error) return html`<${ErrorBox} error=${error} />`;
  if (loading && !data) return html`<${Loading} />`;
  const mine = data.improvementPlans.edges.map((e) => e.node).filter((p) => p.employeeId === viewer.employee.id);
  if (!mine.length) return html`<p class="muted">${t("improvement.none")}</p>`;
  const titles = new Map((data.scorecard?.items ?? []).map((item) => [item.key, item.titles]));
  return mine.map(
    (plan) => html`<${Plan} plan=${plan} titles=${titles} viewer=${viewer} onChange=${reload} key=${plan.id} />`,
  );
}

function MyImprovement({ viewer }) {
  const render = (cycle) => html`<${Plans} viewer=${viewer} cycle=${cycle} />`;
  return html`<${OwnCyclePage} viewer=${viewer} title=${t("improvement.title")} prefer=${pastResults} render=${render} />`;
}

export const page = {
  route: "/improvement",
  title: "improvement.title",
  nav: 28,
  requires: ["improvement.read"],
  view: MyImprovement,
};

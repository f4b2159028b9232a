// The gap view of a goal (goalGapReport): per owner, the target allocated top-down
// against what the owner proposed bottom-up, and the gaps larger than the
// threshold flagged; a manager proposes what an owner can take on (proposeGoal).
import { mutate } from "../lib/api.js";
import { goalTitle, goalsQuery, useGoalFields } from "../lib/goals.js";
import { formatNumber, formatPercent, t } from "../lib/i18n.js";
import { errorsFor, ownerLabel, unitName, useAll, usePeople } from "../lib/manager.js";
import { html, useState } from "../lib/preact.js";
import { href } from "../lib/router.js";
import { can } from "../lib/session.js";
import { ErrorBox, FieldErrors, Loading, Stat, useQuery, useTitle } from "../lib/ui.js";

const GAP = `query Gap($goal: ID!) {
  goalGapReport(goal: $goal) { goalId target topDown bottomUp gap threshold flagged
    lines { owner topDown bottomUp gap flagged } }
}`;
const PROPOSE = `mutation Propose($goal: ID!, $amount: Float!, $orgUnit: ID, $employee: ID, $note: String) {
  proposeGoal(goal: $goal, amount: $amount, orgUnit: $orgUnit, employee: $employee, note: $note) {
    ok errors { code message path detail } }
}`;

function Lines({ report, people }) {
  if (!report.lines.length) return html`<p class="muted">${t("gap.noLines")}</p>`;
  return html`<table data-test="gap-lines">
    <thead><tr><th>${t("goal.owner")}</th><th class="num">${t("gap.topDown")}</th>
      <th class="num">${t("gap.bottomUp")}</th><th class="num">${t("gap.gap")}</th><th></th></tr></thead>
    <tbody>${report.lines.map(
      (line) => html`<tr data-owner=${line.owner}>
        <td>${ownerLabel(line.owner, people)}</td>
        <td class="num">${formatNumber(line.topDown)}</td>
        <td class="num">${line.bottomUp == null ? html`<span class="muted">${t("gap.noProposal")}</span>` : formatNumber(line.bottomUp)}</td>
        <td class="num">${formatNumber(line.gap)}</td>
        <td>${line.flagged ? html`<span class="badge warn" data-test="flagged">${t("gap.flagged")}</span>` : null}</td>
      </tr>`,
    )}</tbody>
  </table>`;
}

function Propose({ goal, viewer, people, onDone }) {
  const mine = viewer.employee?.orgUnit?.id ?? "";
  const [form, setForm] = useState({ owner: mine ? `unit:${mine}` : "", amount: "", note: "" });
  const [state, setState] = useState({ busy: false, error: null, done: false });
  const [kind, id] = form.owner.split(":");
  const submit = async (event) => {
    event.preventDefault();
    setState({ busy: true, error: null, done: false });
    const variables = {
      goal: goal.id, amount: form.amount === "" ? null : Number(form.amount), note: form.note || null,
      orgUnit: kind === "unit" ? id : null, employee: kind === "employee" ? id : null,
    };
    try {
      await mutate(PROPOSE, variables, "proposeGoal");
      setState({ busy: false, error: null, done: true });
      onDone();
    } catch (error) {
      setState({ busy: false, error, done: false });
    }
  };
  return html`<form class="card" onSubmit=${submit} data-test="propose">
    <h2>${t("gap.propose")}</h2>
    <div class="row" style="align-items:flex-start">
      <label>${t("goal.owner")}
        <select value=${form.owner} onChange=${(e) => setForm({ ...form, owner: e.target.value })}>
          ${[...people.units.values()].map((u) => html`<option value=${`unit:${u.id}`}>${unitName(u)}</option>`)}
          ${[...people.employees.values()].map((p) => html`<option value=${`employee:${p.id}`}>${p.name}</option>`)}
        </select><${FieldErrors} errors=${errorsFor(state.error, [], "orgUnit", "employee", "goal")} /></label>
      <label>${t("gap.amount")} (${goal.unit ?? ""})
        <input type="number" step="any" value=${form.amount} onInput=${(e) => setForm({ ...form, amount: e.target.value })} data-test="amount" />
        <${FieldErrors} errors=${errorsFor(state.error, [], "amount")} /></label>
      <label>${t("gap.note")}
        <input type="text" value=${form.note} onInput=${(e) => setForm({ ...form, note: e.target.value })} /></label>
    </div>
    ${state.error?.errors?.some((e) => e.source !== "payload") ? html`<${ErrorBox} error=${state.error} />` : null}
    <p class="row"><button class="primary" disabled=${state.busy}>${t("gap.send")}</button>
      ${state.done ? html`<span class="badge good">${t("gap.sent")}</span>` : null}</p>
  </form>`;
}

function Gap({ viewer, params }) {
  const { cycle, id } = params;
  const fields = useGoalFields();
  const people = usePeople();
  const goals = useAll(fields && goalsQuery(fields), { cycle }, "goals", [cycle]);
  const report = useQuery(GAP, { goal: id }, [id]);
  const goal = goals.nodes?.find((g) => g.id === id);
  useTitle(t("gap.title"));
  const error = goals.error ?? report.error ?? people.error;
  if (error) return html`<${ErrorBox} error=${error} />`;
  if (!goals.nodes || !report.data || people.loading) return html`<${Loading} />`;
  if (!goal) return html`<p class="muted">${t("goal.notFound")}</p>`;
  const gap = report.data.goalGapReport;
  return html`<div>
    <p><a href=${href(`/goals/${cycle}/${id}`)}>← ${goalTitle(goal)}</a></p>
    <h1>${t("gap.title")}: ${goalTitle(goal)}</h1>
    <p class="muted">${t("gap.intro", { threshold: formatPercent(gap.threshold) })}</p>
    <div class="cards" data-test="gap-summary">
      <${Stat} label=${t("gap.topDown")} value=${formatNumber(gap.topDown)} />
      <${Stat} label=${t("gap.bottomUp")} value=${formatNumber(gap.bottomUp)} />
      <${Stat} label=${t("gap.gap")} value=${html`${formatNumber(gap.gap)} ${gap.flagged ? html`<span class="badge warn" data-test="gap-flagged">${t("gap.flagged")}</span>` : null}`} />
    </div>
    <${Lines} report=${gap} people=${people} />
    ${can(viewer, "goal.propose") ? html`<${Propose} goal=${goal} viewer=${viewer} people=${people} onDone=${report.reload} />` : null}
  </div>`;
}

export const page = {
  route: "/goals/:cycle/:id/gap",
  title: "gap.title",
  requires: ["goal.read"],
  view: Gap,
};

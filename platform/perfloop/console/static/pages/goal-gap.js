// The gap view of a goal (goalGapReport): per owner, the target allocated top-down
// against what the owner proposed bottom-up, and the gaps larger than the
// threshold flagged; beside each owner, how far behind plan they are now (a unit's
// behind items from planReport, a person's from their plan's behindCount: the
// API's `behind`, completion trailing the share of the cycle elapsed), and the
// units under the goal's owner behind plan; a manager proposes what an owner can
// take on (proposeGoal).
import { ERROR_FIELDS, mutate } from "../lib/api.js";
import { goalTitle, goalsQuery, useGoalFields } from "../lib/goals.js";
import { formatNumber, formatPercent, t } from "../lib/i18n.js";
import { errorsFor, inSubtree, ownerLabel, unitName, useAll, usePeople } from "../lib/manager.js";
import { html, useState } from "../lib/preact.js";
import { href } from "../lib/router.js";
import { can } from "../lib/session.js";
import { ErrorBox, FieldErrors, Loading, ProgressBar, Stat, useQuery, useTitle } from "../lib/ui.js";

const GAP = `query Gap($goal: ID!) {
  goalGapReport(goal: $goal) { goalId target topDown bottomUp gap threshold flagged
    lines { owner topDown bottomUp gap flagged } }
}`;
const PAGE = "pageInfo { hasNextPage endCursor }";
const UNITS_BEHIND = `query UnitsBehind($cycle: ID!, $after: String) {
  planReport(cycle: $cycle, groupBy: [ORG_UNIT], first: 100, after: $after) {
    edges { node { orgUnitId people items completion behind } } ${PAGE} } }`;
const PEOPLE_BEHIND = `query PeopleBehind($cycle: ID!, $after: String) {
  teamScorecards(cycle: $cycle, first: 100, after: $after) { edges { node { employeeId behindCount } } ${PAGE} } }`;
const PROPOSE = `mutation Propose($goal: ID!, $amount: Float!, $orgUnit: ID, $employee: ID, $note: String) {
  proposeGoal(goal: $goal, amount: $amount, orgUnit: $orgUnit, employee: $employee, note: $note) {
    ok ${ERROR_FIELDS} }
}`;

/** {behindOf(owner), units}: behind-plan counts by gap-line owner, and the report rows. */
function useBehind(viewer, cycle) {
  const units = useAll(can(viewer, "report.read") ? UNITS_BEHIND : null, { cycle }, "planReport", [cycle]);
  const cards = useAll(can(viewer, "scorecard.read") ? PEOPLE_BEHIND : null, { cycle }, "teamScorecards", [cycle]);
  const byUnit = new Map((units.nodes ?? []).map((r) => [r.orgUnitId, r.behind]));
  const byPerson = new Map((cards.nodes ?? []).map((c) => [c.employeeId, c.behindCount]));
  const behindOf = (owner) => {
    const [kind, id] = owner.split(":");
    return kind === "employee" ? byPerson.get(id) : kind === "unit" ? byUnit.get(id) : undefined;
  };
  return { behindOf, units: units.nodes ?? [] };
}

function BehindBadge({ count }) {
  if (count == null) return null;
  return count
    ? html`<span class="badge warn" data-test="owner-behind">${t("team.behindItems", { count: formatNumber(count) })}</span>`
    : html`<span class="badge good">${t("team.onPlan")}</span>`;
}

function UnitsBehind({ rows, root, people }) {
  const shown = rows.filter((r) => !root || inSubtree(people.units, r.orgUnitId, root));
  if (!shown.length) return null;
  return html`<h2>${t("gap.unitsBehind")}</h2>
    <table data-test="units-behind">
      <thead><tr><th>${t("goal.orgUnit")}</th><th class="num">${t("team.people")}</th>
        <th>${t("scorecard.completion")}</th><th>${t("team.plan")}</th></tr></thead>
      <tbody>${shown.map(
        (r) => html`<tr data-unit=${r.orgUnitId}>
          <td>${ownerLabel(`unit:${r.orgUnitId}`, people)}</td><td class="num">${formatNumber(r.people)}</td>
          <td><${ProgressBar} share=${r.completion} behind=${r.behind > 0} /></td>
          <td><${BehindBadge} count=${r.behind} /></td>
        </tr>`,
      )}</tbody>
    </table>`;
}

function Lines({ report, people, behindOf }) {
  if (!report.lines.length) return html`<p class="muted">${t("gap.noLines")}</p>`;
  return html`<table data-test="gap-lines">
    <thead><tr><th>${t("goal.owner")}</th><th class="num">${t("gap.topDown")}</th>
      <th class="num">${t("gap.bottomUp")}</th><th class="num">${t("gap.gap")}</th><th></th><th>${t("team.plan")}</th></tr></thead>
    <tbody>${report.lines.map(
      (line) => html`<tr data-owner=${line.owner}>
        <td>${ownerLabel(line.owner, people)}</td>
        <td class="num">${formatNumber(line.topDown)}</td>
        <td class="num">${line.bottomUp == null ? html`<span class="muted">${t("gap.noProposal")}</span>` : formatNumber(line.bottomUp)}</td>
        <td class="num">${formatNumber(line.gap)}</td>
        <td>${line.flagged ? html`<span class="badge warn" data-test="flagged">${t("gap.flagged")}</span>` : null}</td>
        <td><${BehindBadge} count=${behindOf(line.owner)} /></td>
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
  const behind = useBehind(viewer, cycle);
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
    <${Lines} report=${gap} people=${people} behindOf=${behind.behindOf} />
    ${goal.level === "employee" ? null
      : html`<${UnitsBehind} rows=${behind.units} root=${goal.level === "company" ? null : goal.orgUnitId} people=${people} />`}
    ${can(viewer, "goal.propose") ? html`<${Propose} goal=${goal} viewer=${viewer} people=${people} onDone=${report.reload} />` : null}
  </div>`;
}

export const page = {
  route: "/goals/:cycle/:id/gap",
  title: "gap.title",
  requires: ["goal.read"],
  view: Gap,
};

// One goal: its allocation (the children's targets against the goal's, what is
// left unallocated or over-allocated), changing a child's target (updateGoal) and
// decomposing the goal into a new child with its owner and target (createGoal,
// which inherits the goal's indicator, unit and direction). Errors are shown next
// to the field the API names. The gap view is pages/goal-gap.js.
import { ERROR_FIELDS, mutate } from "../lib/api.js";
import { Coverage, goalTitle, goalsQuery, useGoalFields } from "../lib/goals.js";
import { formatNumber, formatPercent, t } from "../lib/i18n.js";
import { errorsFor, ownerLabel, unitName, useAll, usePeople } from "../lib/manager.js";
import { html, useState } from "../lib/preact.js";
import { href } from "../lib/router.js";
import { can } from "../lib/session.js";
import { ErrorBox, FieldErrors, Loading, ProgressBar, Stat, useTitle } from "../lib/ui.js";

const CREATE = `mutation CreateGoal($input: GoalInput!) {
  createGoal(input: $input) { goal { id } ${ERROR_FIELDS} }
}`;
const UPDATE = `mutation UpdateGoal($goal: ID!, $target: Float) {
  updateGoal(goal: $goal, target: $target) { goal { id } ${ERROR_FIELDS} }
}`;
const CHILD_LEVEL = { company: "department", department: "team", team: "employee", position: "employee" };
const LEVELS = ["department", "team", "position", "employee"];

const number = (text) => (text === "" || text == null ? null : Number(text));

function TargetCell({ goal, onSaved, editable }) {
  const [value, setValue] = useState(goal.target ?? "");
  const [state, setState] = useState({ busy: false, error: null });
  if (!editable) return html`${formatNumber(goal.target)}`;
  const save = async () => {
    setState({ busy: true, error: null });
    try {
      await mutate(UPDATE, { goal: goal.id, target: number(value) }, "updateGoal");
      setState({ busy: false, error: null });
      onSaved();
    } catch (error) {
      setState({ busy: false, error });
    }
  };
  return html`<div class="row" style="justify-content:flex-end">
      <input type="number" step="any" value=${value} style="width:9rem" data-test="child-target"
        onInput=${(e) => setValue(e.target.value)} />
      <button disabled=${state.busy || number(value) === goal.target} onClick=${save} data-test="save-target">${t("goal.save")}</button>
    </div>
    <${FieldErrors} errors=${errorsFor(state.error, [], "target", "goal")} />`;
}

function Allocation({ goal, children, people, cycle, editable, reload }) {
  const share = goal.target ? (goal.allocated ?? 0) / goal.target : null;
  return html`<h2>${t("goal.allocation")}</h2>
    <div class="cards">
      <${Stat} label=${t("goal.target")} value=${`${formatNumber(goal.target)} ${goal.unit ?? ""}`} />
      <${Stat} label=${t("goal.allocated")} value=${formatNumber(goal.allocated)} />
      <${Stat} label=${t("goal.unallocated")} value=${html`<span data-test="unallocated">${formatNumber(goal.unallocated)}</span>`} />
      <${Stat} label=${t("goal.progress")} value=${formatPercent(goal.progress)} />
    </div>
    <p><${Coverage} goal=${goal} /></p>
    ${share != null ? html`<${ProgressBar} share=${share} behind=${share > 1} />` : null}
    ${children.length
      ? html`<table data-test="allocation">
          <thead><tr><th>${t("goal.goal")}</th><th>${t("goal.owner")}</th><th class="num">${t("goal.target")}</th>
            <th class="num">${t("goal.share")}</th><th>${t("goal.progress")}</th></tr></thead>
          <tbody>${children.map(
            (child) => html`<tr data-goal=${child.id}>
              <td><a href=${href(`/goals/${cycle}/${child.id}`)}>${goalTitle(child)}</a></td>
              <td>${ownerLabel(child, people)}</td>
              <td class="num"><${TargetCell} key=${child.id} goal=${child} editable=${editable(child)} onSaved=${reload} /></td>
              <td class="num">${goal.target ? formatPercent((child.target ?? 0) / goal.target) : "–"}</td>
              <td><${ProgressBar} share=${child.progress} /></td>
            </tr>`,
          )}</tbody>
        </table>`
      : html`<p class="muted">${t("goal.noChildren")}</p>`}`;
}

function OwnerInput({ level, form, set, people, error }) {
  const units = [...people.units.values()];
  const unitSelect = html`<label>${t("goal.orgUnit")}
    <select value=${form.orgUnitId} onChange=${(e) => set("orgUnitId", e.target.value)} data-test="owner-unit">
      <option value="">–</option>
      ${units.map((u) => html`<option value=${u.id}>${unitName(u)}</option>`)}
    </select><${FieldErrors} errors=${errorsFor(error, [], "orgUnitId")} /></label>`;
  if (level === "employee") {
    return html`<label>${t("goal.employee")}
      <select value=${form.employeeId} onChange=${(e) => set("employeeId", e.target.value)} data-test="owner-employee">
        <option value="">–</option>
        ${[...people.employees.values()].map((p) => html`<option value=${p.id}>${p.name} · ${p.position}</option>`)}
      </select><${FieldErrors} errors=${errorsFor(error, [], "employeeId")} /></label>`;
  }
  if (level === "position") {
    return html`${unitSelect}<label>${t("goal.position")}
      <input type="text" value=${form.position} onInput=${(e) => set("position", e.target.value)} data-test="owner-position" />
      <${FieldErrors} errors=${errorsFor(error, [], "position")} /></label>`;
  }
  return unitSelect;
}

function Decompose({ goal, cycle, people, onCreated }) {
  const blank = { level: CHILD_LEVEL[goal.level] ?? "employee", title: "", target: "", weight: "", orgUnitId: "", employeeId: "", position: "" };
  const [form, setForm] = useState(blank);
  const [state, setState] = useState({ busy: false, error: null });
  const set = (name, value) => setForm((f) => ({ ...f, [name]: value }));
  const submit = async (event) => {
    event.preventDefault();
    setState({ busy: true, error: null });
    const owner = form.level === "employee" ? { employeeId: form.employeeId || null }
      : { orgUnitId: form.orgUnitId || null, position: form.level === "position" ? form.position || null : null };
    const input = {
      cycleId: cycle, parentId: goal.id, level: form.level, title: form.title, ...owner,
      target: number(form.target), weight: number(form.weight), unit: goal.unit,
      indicatorKey: goal.indicatorKey, libraryRef: goal.libraryRef, direction: goal.direction, additive: goal.additive,
    };
    try {
      await mutate(CREATE, { input }, "createGoal");
      setForm(blank);
      setState({ busy: false, error: null });
      onCreated();
    } catch (error) {
      setState({ busy: false, error });
    }
  };
  const known = ["level", "title", "target", "weight", "orgUnitId", "employeeId", "position"];
  const other = state.error?.errors?.filter((e) => e.source !== "payload" || !known.includes(e.path[0]));
  return html`<form class="card" onSubmit=${submit} data-test="decompose">
    <h2>${t("goal.decompose")}</h2>
    <div class="row" style="align-items:flex-start">
      <label>${t("goal.level")}
        <select value=${form.level} onChange=${(e) => set("level", e.target.value)} data-test="level">
          ${LEVELS.map((l) => html`<option value=${l}>${t(`goal.level.${l}`)}</option>`)}
        </select><${FieldErrors} errors=${errorsFor(state.error, [], "level")} /></label>
      <${OwnerInput} level=${form.level} form=${form} set=${set} people=${people} error=${state.error} />
      <label>${t("goal.goalTitle")}
        <input type="text" value=${form.title} onInput=${(e) => set("title", e.target.value)} data-test="title" />
        <${FieldErrors} errors=${errorsFor(state.error, [], "title")} /></label>
      <label>${t("goal.target")} (${goal.unit ?? ""})
        <input type="number" step="any" value=${form.target} onInput=${(e) => set("target", e.target.value)} data-test="target" />
        <${FieldErrors} errors=${errorsFor(state.error, [], "target")} /></label>
      <label>${t("goal.weight")}
        <input type="number" step="any" value=${form.weight} onInput=${(e) => set("weight", e.target.value)} data-test="weight" />
        <${FieldErrors} errors=${errorsFor(state.error, [], "weight")} /></label>
    </div>
    ${other?.length ? html`<${ErrorBox} error=${{ errors: other }} />` : null}
    <p><button class="primary" disabled=${state.busy} data-test="create-goal">${t("goal.create")}</button></p>
  </form>`;
}

function Goal({ viewer, params }) {
  const { cycle, id } = params;
  const fields = useGoalFields();
  const people = usePeople();
  const { nodes, error, loading, reload } = useAll(fields && goalsQuery(fields), { cycle }, "goals", [cycle]);
  const goals = nodes ?? [];
  const goal = goals.find((g) => g.id === id);
  useTitle(goal ? goalTitle(goal) : t("goal.title"));
  if (error || people.error) return html`<${ErrorBox} error=${error ?? people.error} />`;
  if (loading || people.loading || !nodes) return html`<${Loading} />`;
  if (!goal) return html`<p class="muted">${t("goal.notFound")}</p>`;
  const children = goals.filter((g) => g.parentId === goal.id);
  const parent = goals.find((g) => g.id === goal.parentId);
  const manage = can(viewer, "goal.manage");
  // nobody sets their own target (docs/plans.md): the API refuses it, so it is not offered
  const editable = (child) => manage && !(child.employeeId && child.employeeId === viewer.employee?.id);
  return html`<div>
    <p><a href=${href(parent ? `/goals/${cycle}/${parent.id}` : "/goals")}>← ${parent ? goalTitle(parent) : t("goal.title")}</a></p>
    <h1 data-test="goal-title">${goalTitle(goal)}</h1>
    <p class="muted">${t(`goal.level.${goal.level}`)} · ${ownerLabel(goal, people)}${" · "}<a href=${href(`/goals/${cycle}/${goal.id}/gap`)} data-test="gap-link">${t("gap.title")}</a></p>
    <${Allocation} goal=${goal} children=${children} people=${people} cycle=${cycle} editable=${editable} reload=${reload} />
    ${manage && goal.level !== "employee"
      ? html`<${Decompose} goal=${goal} cycle=${cycle} people=${people} onCreated=${reload} />`
      : null}
  </div>`;
}

export const page = {
  route: "/goals/:cycle/:id",
  title: "goal.title",
  requires: ["goal.read"],
  view: Goal,
};

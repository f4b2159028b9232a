// Goals: the cycle's goal tree (goals, flat by parentId), each goal with its owner,
// target, progress and how its children's targets cover it (allocated,
// unallocated, coverage); a goal opens its own page to decompose it (pages/goal.js).
import { OpenCycle } from "../lib/cycles.js";
import { formatNumber, t } from "../lib/i18n.js";
import { Coverage, goalTitle, goalsQuery, treeOrder, useGoalFields } from "../lib/goals.js";
import { ownerLabel, useAll, usePeople } from "../lib/manager.js";
import { html } from "../lib/preact.js";
import { href } from "../lib/router.js";
import { ErrorBox, Loading, ProgressBar, useTitle } from "../lib/ui.js";

function Row({ goal, depth, cycle, people }) {
  return html`<tr data-goal=${goal.id}>
    <td style=${`padding-left:${0.6 + depth * 1.4}rem`}>
      <a href=${href(`/goals/${cycle}/${goal.id}`)}>${goalTitle(goal)}</a>
      <div class="muted">${t(`goal.level.${goal.level}`)} · ${ownerLabel(goal, people)}</div>
    </td>
    <td class="num">${formatNumber(goal.target)} ${goal.unit ?? ""}</td>
    <td class="num">${formatNumber(goal.allocated)}</td>
    <td><${Coverage} goal=${goal} /></td>
    <td><${ProgressBar} share=${goal.progress} /></td>
  </tr>`;
}

function Tree({ cycle }) {
  const fields = useGoalFields();
  const people = usePeople();
  const { nodes, error, loading } = useAll(fields && goalsQuery(fields), { cycle }, "goals", [cycle]);
  if (error || people.error) return html`<${ErrorBox} error=${error ?? people.error} />`;
  if (loading || people.loading || !nodes) return html`<${Loading} />`;
  const rows = treeOrder(nodes);
  if (!rows.length) return html`<p class="muted">${t("goal.none")}</p>`;
  return html`<table data-test="goal-tree">
    <thead><tr>
      <th>${t("goal.goal")}</th><th class="num">${t("goal.target")}</th>
      <th class="num">${t("goal.allocated")}</th><th>${t("goal.coverage")}</th><th>${t("goal.progress")}</th>
    </tr></thead>
    <tbody>${rows.map(({ goal, depth }) => html`<${Row} goal=${goal} depth=${depth} cycle=${cycle} people=${people} />`)}</tbody>
  </table>`;
}

function Goals() {
  useTitle(t("goal.title"));
  return html`<div>
    <h1>${t("goal.title")}</h1>
    <p class="muted">${t("goal.intro")}</p>
    <${OpenCycle} render=${(cycle) => html`<${Tree} cycle=${cycle} />`} />
  </div>`;
}

export const page = {
  route: "/goals",
  title: "goal.title",
  nav: 50,
  requires: ["goal.read", "goal.manage"],
  view: Goals,
};

// Goals on the manager's pages: the fields to ask for (titles in both languages
// where the server has them), a goal's title in the chosen language, the tree
// order of the flat list, and a goal's coverage badge.
import { gql } from "./api.js";
import { formatNumber, pick, t } from "./i18n.js";
import { html, useEffect, useState } from "./preact.js";

// Goals carry `titles` {zhCN, en} since 0020_goal_titles; a server without them has
// one `title`. The schema says which, once (introspection).
let titleFields = null;
function goalTitleFields() {
  titleFields ??= gql(`{ __type(name: "Goal") { fields { name } } }`).then(
    (data) => (data.__type.fields.some((f) => f.name === "titles") ? "title titles { zhCN en }" : "title"),
    () => "title",
  );
  return titleFields;
}

/** The goal fields to ask for, or null while the schema is read. */
export function useGoalFields() {
  const [fields, setFields] = useState(null);
  useEffect(() => {
    goalTitleFields().then((titles) =>
      setFields(`id parentId level orgUnitId position employeeId ${titles} indicatorKey libraryRef target unit
        direction additive weight allocated unallocated coverage actual progress`),
    );
  }, []);
  return fields;
}

export function goalTitle(goal) {
  return pick(goal.titles ?? goal.title);
}

/** The cycle's goals, for useAll(…, "goals"). */
export const goalsQuery = (fields) => `query Goals($cycle: ID!, $after: String) {
  goals(cycle: $cycle, first: 100, after: $after) { edges { node { ${fields} } } pageInfo { hasNextPage endCursor } }
}`;

const COVERAGE_CLASS = { exact: "good", under: "warn", over: "warn", leaf: "" };

export function Coverage({ goal }) {
  if (!goal.coverage || goal.coverage === "leaf") return null;
  const label = t(`goal.coverage.${goal.coverage}`, { amount: formatNumber(Math.abs(goal.unallocated ?? 0)) });
  return html`<span class=${`badge ${COVERAGE_CLASS[goal.coverage]}`} data-coverage=${goal.coverage}>${label}</span>`;
}

/** The goals in tree order: [{goal, depth}], children after their parent. */
export function treeOrder(goals) {
  const children = new Map();
  const ids = new Set(goals.map((g) => g.id));
  goals.forEach((g) => {
    const parent = ids.has(g.parentId) ? g.parentId : null;
    children.set(parent, [...(children.get(parent) ?? []), g]);
  });
  const out = [];
  const walk = (parent, depth) =>
    (children.get(parent) ?? []).forEach((g) => {
      out.push({ goal: g, depth });
      walk(g.id, depth + 1);
    });
  walk(null, 0);
  return out;
}


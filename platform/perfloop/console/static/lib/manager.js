// What the manager's pages share (goals, team plans, assignment, reviews): the
// names of the people and units the viewer may see, owners of goals and gap
// lines, a plan's status badge, and field errors found by index or key.
import { errorsAt, gql } from "./api.js";
import { pick, t } from "./i18n.js";
import { html, useCallback, useEffect, useState } from "./preact.js";

/** Every node of a connection, page by page (100 a page, the API's cap): `query`
 * takes `$after: String` and asks `field(first: 100, after: $after) { edges { node
 * {…} } pageInfo { hasNextPage endCursor } }`. */
export async function fetchAll(query, variables, field) {
  const nodes = [];
  let after = null;
  for (;;) {
    const data = await gql(query, { ...variables, after });
    nodes.push(...data[field].edges.map((e) => e.node));
    if (!data[field].pageInfo.hasNextPage) return nodes;
    after = data[field].pageInfo.endCursor;
  }
}

/** useQuery for a whole connection: {nodes, error, loading, reload}; query null waits. */
export function useAll(query, variables, field, deps = []) {
  const [state, setState] = useState({ nodes: null, error: null, loading: query != null });
  const [round, setRound] = useState(0);
  useEffect(() => {
    if (query == null) return undefined;
    let live = true;
    setState((s) => ({ ...s, loading: true, error: null }));
    fetchAll(query, variables, field).then(
      (nodes) => live && setState({ nodes, error: null, loading: false }),
      (error) => live && setState({ nodes: null, error, loading: false }),
    );
    return () => {
      live = false;
    };
  }, [query, round, ...deps]);
  const reload = useCallback(() => setRound((r) => r + 1), []);
  return { ...state, reload };
}

const PAGE = "pageInfo { hasNextPage endCursor }";
const EMPLOYEES = `query Employees($after: String) { employees(first: 100, after: $after) {
  edges { node { id name employeeNo position orgUnit { id } } } ${PAGE} } }`;
const UNITS = `query Units($after: String) { orgUnits(first: 100, after: $after) {
  edges { node { id name nameEn kind code parent { id } } } ${PAGE} } }`;

/** {employees, units, error, loading}: id → node maps of what the viewer may see. */
export function usePeople() {
  const people = useAll(EMPLOYEES, {}, "employees");
  const units = useAll(UNITS, {}, "orgUnits");
  return {
    employees: new Map((people.nodes ?? []).map((n) => [n.id, n])),
    units: new Map((units.nodes ?? []).map((n) => [n.id, n])),
    error: people.error ?? units.error,
    loading: people.loading || units.loading || !people.nodes || !units.nodes,
  };
}

/** Whether unit lies in the subtree of root (both ids), by the units' parents. */
export function inSubtree(units, unit, root) {
  for (let id = unit, hops = 0; id && hops < 50; id = units.get(id)?.parent?.id, hops += 1) {
    if (id === root) return true;
  }
  return false;
}

export function unitName(unit) {
  return unit ? pick({ zhCN: unit.name, en: unit.nameEn ?? "" }) : "";
}

/** A goal's owner, or a gap line's (`unit:<id>`, `position:<unit>:<name>`, `employee:<id>`). */
export function ownerLabel(owner, people) {
  const [kind, id, name] = typeof owner === "string"
    ? owner.split(":")
    : owner.employeeId ? ["employee", owner.employeeId]
    : owner.position ? ["position", owner.orgUnitId, owner.position]
    : ["unit", owner.orgUnitId];
  if (kind === "employee") return people.employees.get(id)?.name ?? t("manager.employeeNo", { id });
  const unit = unitName(people.units.get(id)) || t("manager.unitNo", { id });
  return kind === "position" ? `${unit} · ${name}` : unit;
}

/** The payload errors of one input: by index ("items", 2) or key ("items", "revenue"). */
export function errorsFor(error, prefix, ...names) {
  return names.filter((n) => n != null).flatMap((n) => errorsAt(error, [...prefix, n]));
}

export function StatusBadge({ status }) {
  const cls = status === "signed" ? "good" : status === "signing" ? "warn" : "";
  return html`<span class=${`badge ${cls}`} data-status=${status}>${t(`scorecard.status.${status}`)}</span>`;
}

// The org units the viewer may see (orgUnits, parents before children) and a picker.
import { gql } from "./api.js";
import { language, t } from "./i18n.js";
import { html, useCallback, useEffect, useState } from "./preact.js";

export const ORG_UNITS = `query OrgUnits($after: String) { orgUnits(first: 100, after: $after) {
  pageInfo { hasNextPage endCursor } edges { node { id code name nameEn kind parent { id } } }
} }`;

/** Every node of a connection, page after page (the API gives at most 100 at once). */
export async function allNodes(query, field, variables = {}) {
  const nodes = [];
  let after = null;
  for (;;) {
    const page = (await gql(query, { ...variables, after }))[field];
    nodes.push(...page.edges.map((e) => e.node));
    if (!page.pageInfo.hasNextPage) return nodes;
    after = page.pageInfo.endCursor;
  }
}

/** {nodes, error, loading, reload}: allNodes of a connection query (with $after). */
export function useAllNodes(query, field) {
  const [state, setState] = useState({ nodes: [], error: null, loading: true });
  const [round, setRound] = useState(0);
  useEffect(() => {
    let live = true;
    setState((s) => ({ ...s, loading: true }));
    allNodes(query, field).then(
      (nodes) => live && setState({ nodes, error: null, loading: false }),
      (error) => live && setState({ nodes: [], error, loading: false }),
    );
    return () => {
      live = false;
    };
  }, [query, field, round]);
  const reload = useCallback(() => setRound((r) => r + 1), []);
  return { ...state, reload };
}

/** {units, error, loading, reload}: the units in path order. */
export function useOrgUnits() {
  const { nodes, error, loading, reload } = useAllNodes(ORG_UNITS, "orgUnits");
  return { units: nodes, error, loading, reload };
}

/** A unit's depth below its root, for indenting. */
export function depthOf(units, unit) {
  const byId = new Map(units.map((u) => [u.id, u]));
  let depth = 0;
  for (let at = unit; at?.parent && byId.has(at.parent.id); at = byId.get(at.parent.id)) depth += 1;
  return depth;
}

/** A <select> of units, indented by depth; `none` labels the empty choice (or omits it). */
export function OrgUnitSelect({ units, value, onChange, none, test }) {
  return html`<select value=${value ?? ""} onChange=${(e) => onChange(e.target.value || null)} data-test=${test}>
    ${none ? html`<option value="">${none}</option>` : null}
    ${units.map((u) => html`<option value=${u.id}>${"\u00a0\u00a0".repeat(depthOf(units, u))}${unitName(u)} (${u.code})</option>`)}
  </select>`;
}

/** A unit's name in the viewer's language (nameEn in English when it has one). */
export function unitName(unit) {
  return language() === "en" && unit.nameEn ? unit.nameEn : unit.name;
}

/** Where an install or cycle applies: its unit's name, else the whole company. */
export function unitLabel(unit) {
  return unit ? unitName(unit) : t("org.wholeTenant");
}

// Team plans: the plans of the viewer's people in a cycle (teamScorecards) with their
// status, completion and behind-plan flags (an item is behind when its completion
// trails the share of the cycle elapsed, as the API's `behind` says), a filter,
// and signing as their manager: one plan (signScorecard) or the chosen ones at
// once (signScorecards, all or nothing). Assigning items is pages/assign.js.
import { ERROR_FIELDS, errorText, mutate } from "../lib/api.js";
import { OpenCycle } from "../lib/cycles.js";
import { formatNumber, formatPercent, pick, t } from "../lib/i18n.js";
import { StatusBadge, useAll } from "../lib/manager.js";
import { html, useState } from "../lib/preact.js";
import { href } from "../lib/router.js";
import { can } from "../lib/session.js";
import { ErrorBox, Loading, ProgressBar, Stat, useTitle } from "../lib/ui.js";

const CARD = `id employeeId employeeName employeeNo status revision employeeSignedAt managerSignedAt
  completion behindCount items { key titles { zhCN en } behind completion }`;
const TEAM = `query Team($cycle: ID!, $after: String) { teamScorecards(cycle: $cycle, first: 100, after: $after) {
  edges { node { ${CARD} } } pageInfo { hasNextPage endCursor } } }`;
const SIGN_MANY = `mutation SignMany($signatures: [SignatureInput!]!) {
  signScorecards(signatures: $signatures) { scorecards { ${CARD} } ${ERROR_FIELDS} }
}`;

/** Whether the viewer may sign this plan as the manager now. */
const signable = (card, viewer) =>
  card.status !== "signed" && !card.managerSignedAt && card.employeeId !== viewer.employee?.id;

function Filter({ filter, setFilter }) {
  return html`<div class="row" data-test="team-filter">
    <input type="text" placeholder=${t("team.search")} value=${filter.text}
      onInput=${(e) => setFilter({ ...filter, text: e.target.value })} />
    <select value=${filter.status} onChange=${(e) => setFilter({ ...filter, status: e.target.value })} data-test="status-filter">
      <option value="">${t("team.allStatuses")}</option>
      ${["draft", "signing", "signed"].map((s) => html`<option value=${s}>${t(`scorecard.status.${s}`)}</option>`)}
    </select>
    <label class="row"><input type="checkbox" checked=${filter.behind}
      onChange=${(e) => setFilter({ ...filter, behind: e.target.checked })} data-test="behind-filter" />${t("team.behindOnly")}</label>
  </div>`;
}

function Row({ card, viewer, chosen, toggle, sign, error }) {
  const behindItems = card.items.filter((i) => i.behind);
  return html`<tr data-scorecard=${card.id} data-employee=${card.employeeNo}>
    <td>${signable(card, viewer) ? html`<input type="checkbox" checked=${chosen} onChange=${toggle} data-test="choose" />` : null}</td>
    <td>${card.employeeName} <span class="muted">${card.employeeNo}</span></td>
    <td><${StatusBadge} status=${card.status} />
      <div class="muted">${card.employeeSignedAt ? t("team.employeeSigned") : t("team.employeeNotSigned")}</div></td>
    <td><${ProgressBar} share=${card.completion} behind=${card.behindCount > 0} /></td>
    <td>${card.behindCount
      ? html`<span class="badge warn" data-test="behind" title=${behindItems.map((i) => pick(i.titles)).join(", ")}>
          ${t("team.behindItems", { count: formatNumber(card.behindCount) })}</span>`
      : html`<span class="badge good">${t("team.onPlan")}</span>`}</td>
    <td>${signable(card, viewer) && can(viewer, "scorecard.sign")
      ? html`<button onClick=${() => sign([card])} data-test="sign">${t("team.sign")}</button>` : null}
      ${error ? html`<div class="error">${error}</div>` : null}</td>
  </tr>`;
}

function Plans({ viewer, cycle }) {
  const { nodes, error, loading } = useAll(TEAM, { cycle }, "teamScorecards", [cycle]);
  const [signed, setSigned] = useState({});
  const [chosen, setChosen] = useState(new Set());
  const [filter, setFilter] = useState({ text: "", status: "", behind: false });
  const [state, setState] = useState({ busy: false, error: null });
  if (error) return html`<${ErrorBox} error=${error} />`;
  if (loading || !nodes) return html`<${Loading} />`;
  const cards = nodes.map((card) => signed[card.id] ?? card);
  const shown = cards.filter(
    (c) => (!filter.status || c.status === filter.status) && (!filter.behind || c.behindCount > 0)
      && (!filter.text || `${c.employeeName} ${c.employeeNo}`.toLowerCase().includes(filter.text.toLowerCase())),
  );
  const sign = async (list) => {
    setState({ busy: true, error: null });
    try {
      const payload = await mutate(SIGN_MANY, { signatures: list.map((c) => ({ scorecard: c.id, expectedRevision: c.revision })) }, "signScorecards");
      setSigned((s) => ({ ...s, ...Object.fromEntries(payload.scorecards.map((c) => [c.id, c])) }));
      setChosen(new Set());
      setState({ busy: false, error: null, list: null });
    } catch (err) {
      setState({ busy: false, error: err, list });
    }
  };
  // signScorecards names a refused plan by its place in the list: ["signatures", "2", …]
  const rowError = (card) => {
    const at = state.list?.findIndex((c) => c.id === card.id) ?? -1;
    const found = at < 0 ? [] : (state.error?.errors ?? []).filter((e) => e.path[0] === "signatures" && String(e.path[1]) === String(at));
    return found.map(errorText).join("; ");
  };
  const toggle = (id) => setChosen((s) => { const n = new Set(s); n.has(id) ? n.delete(id) : n.add(id); return n; });
  const count = (pred) => formatNumber(cards.filter(pred).length);
  return html`
    <div class="cards">
      <${Stat} label=${t("team.people")} value=${count(() => true)} />
      <${Stat} label=${t("team.toSign")} value=${count((c) => c.status === "signing")} />
      <${Stat} label=${t("team.behindPeople")} value=${count((c) => c.behindCount > 0)} />
      <${Stat} label=${t("team.avgCompletion")} value=${formatPercent(cards.reduce((s, c) => s + (c.completion ?? 0), 0) / (cards.length || 1))} />
    </div>
    <div class="row" style="justify-content:space-between;margin-bottom:.6rem">
      <${Filter} filter=${filter} setFilter=${setFilter} />
      <span class="row">
        ${can(viewer, "scorecard.sign") ? html`<button class="primary" disabled=${state.busy || !chosen.size}
          onClick=${() => sign(cards.filter((c) => chosen.has(c.id)))} data-test="sign-chosen">${t("team.signChosen", { count: chosen.size })}</button>` : null}
        <a href=${href("/assign")}>${t("assign.title")}</a>
      </span>
    </div>
    ${state.error && !state.error.errors?.some((e) => e.path[0] === "signatures") ? html`<${ErrorBox} error=${state.error} />` : null}
    <table data-test="team-plans">
      <thead><tr><th></th><th>${t("team.employee")}</th><th>${t("scorecard.status")}</th>
        <th>${t("scorecard.completion")}</th><th>${t("team.plan")}</th><th></th></tr></thead>
      <tbody>${shown.map((card) => html`<${Row} card=${card} viewer=${viewer} chosen=${chosen.has(card.id)}
        toggle=${() => toggle(card.id)} sign=${sign} error=${rowError(card)} />`)}</tbody>
    </table>
    ${shown.length ? null : html`<p class="muted">${t("team.noneShown")}</p>`}`;
}

function Team({ viewer }) {
  useTitle(t("team.title"));
  return html`<div>
    <h1>${t("team.title")}</h1>
    <${OpenCycle} render=${(cycle) => html`<${Plans} viewer=${viewer} cycle=${cycle} />`} />
  </div>`;
}

export const page = {
  route: "/team",
  title: "team.title",
  nav: 51,
  requires: ["scorecard.manage"],
  view: Team,
};

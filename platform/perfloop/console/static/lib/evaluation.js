// Shared by HR's evaluation pages (pages/eval-*.js): the cycle chooser over every
// cycle (closed ones too: their results are read, calibrated and scored again),
// kept in the route (/evaluation/<page>/<cycle>), the org unit chooser, and number
// formats for scores.
import { formatNumber, language, t } from "./i18n.js";
import { html } from "./preact.js";
import { href, navigate } from "./router.js";
import { can, scopeOf } from "./session.js";
import { ErrorBox, Loading, useQuery } from "./ui.js";

const CYCLES = `query EvaluationCycles {
  cycles(first: 100) { edges { node { id period periodKind isSummary templateKey stage status } } }
}`;

const UNITS = `query EvaluationUnits { orgUnits(first: 100) { edges { node { id kind code name nameEn parent { id } } } } }`;

/** The cycle a page opens at first: the newest one at a scoring stage (calibration,
 * results, appeal), else the newest closed one, else the newest. */
export function evaluationCycle(cycles) {
  const scoring = ["calibration", "results", "appeal"];
  return (
    cycles.find((c) => scoring.includes(c.stage)) ?? cycles.find((c) => c.status === "closed") ?? cycles[0] ?? null
  );
}

export function unitName(unit) {
  if (!unit) return "";
  return language() === "en" && unit.nameEn ? unit.nameEn : unit.name;
}

/**
 * The cycle chooser of page `base` ("/evaluation/scoring"): the chosen cycle is the
 * route's :cycle, else evaluationCycle; render(cycle) shows the page for it.
 */
export function EvaluationCycle({ base, cycle, render }) {
  const { data, error, loading } = useQuery(CYCLES);
  if (error) return html`<${ErrorBox} error=${error} />`;
  if (loading || !data) return html`<${Loading} />`;
  const cycles = data.cycles.edges.map((e) => e.node).filter((c) => !c.isSummary);
  const chosen = cycles.find((c) => c.id === String(cycle ?? "")) ?? evaluationCycle(cycles);
  if (!chosen) return html`<p class="muted">${t("evaluation.noCycle")}</p>`;
  return html`<p class="row">
      <label class="row">${t("common.cycle")}
        <select value=${chosen.id} data-test="evaluation-cycle"
          onChange=${(e) => navigate(`${base}/${e.target.value}`)}>
          ${cycles.map(
            (c) => html`<option value=${c.id}>${c.period} · ${c.templateKey} · ${t(`evaluation.cycleStatus.${c.status === "closed" ? "closed" : "open"}`)}</option>`,
          )}
        </select>
      </label>
      <span class="badge" data-test="cycle-stage">${t("evaluation.stage")}: ${chosen.stage}</span>
    </p>
    ${render(chosen)}`;
}

/** The org units (id → unit), for choosers and names; {units, byId, error, loading}. */
export function useUnits() {
  const { data, error, loading } = useQuery(UNITS);
  const units = (data?.orgUnits.edges ?? []).map((e) => e.node);
  return { units, byId: new Map(units.map((u) => [u.id, u])), error, loading };
}

/** A chooser of one org unit's subtree, or the whole company (value ""). */
export function UnitPicker({ units, value, onChange }) {
  return html`<label class="row">${t("evaluation.orgUnit")}
    <select value=${value ?? ""} onChange=${(e) => onChange(e.target.value || null)} data-test="evaluation-unit">
      <option value="">${t("evaluation.wholeCompany")}</option>
      ${units
        .filter((u) => u.kind !== "team")
        .map((u) => html`<option value=${u.id}>${unitName(u)} (${u.code})</option>`)}
    </select>
  </label>`;
}

/** A score (a total, a part) with two decimals; – for none. */
export function formatScore(value) {
  return formatNumber(value, { minimumFractionDigits: 2, maximumFractionDigits: 2 });
}

/** What each evaluation page needs (its nav entry and links to it). */
export const EVALUATION_NEEDS = {
  scoring: ["result.manage"],
  calibration: ["result.calibrate"],
  whatif: ["result.manage"],
  payouts: ["payout.read"],
};

/** Links to the other evaluation pages the viewer may open, for the same cycle. */
export function EvaluationLinks({ viewer, cycle, here }) {
  const pages = Object.keys(EVALUATION_NEEDS).filter((p) => p !== here && can(viewer, EVALUATION_NEEDS[p]));
  return html`<p class="row muted">
    ${pages.map((p) => html`<a href=${href(`/evaluation/${p}/${cycle}`)} data-link=${p}>${t(`evaluation.${p}.title`)}</a>`)}
  </p>`;
}

/** Whether the viewer decides appeals: they hold appeal.decide and read others'
 * results (HR, executives, heads, managers: a manager's manager is a reviewer);
 * employees only appeal. */
export function decidesAppeals(viewer) {
  const read = scopeOf(viewer, "result.read");
  return can(viewer, "appeal.decide") && read != null && read !== "self";
}

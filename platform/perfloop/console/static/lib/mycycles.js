// Any cycle a page is about, open or closed (lib/cycles.js has the open ones):
// the tenant's cycles, newest period first, a default the page prefers, a picker.
//
//   html`<${AnyCycle} prefer=${(c) => c.status === "closed"} render=${(cycle) => …} />`
import { CyclePicker } from "./cycles.js";
import { t } from "./i18n.js";
import { html, useState } from "./preact.js";
import { ErrorBox, Loading, useQuery, useTitle } from "./ui.js";

const CYCLES = `query AllCycles {
  cycles(first: 100) { edges { node { id period periodKind isSummary templateKey template stage status } } }
}`;

/** The picker over the cycles (not summaries), then render(cycle) for the chosen one:
 * at first the first quarter prefer(cycle) holds for, else the first it holds for,
 * else the newest. */
export function AnyCycle({ prefer = () => true, render }) {
  const { data, error, loading } = useQuery(CYCLES);
  const [chosen, setChosen] = useState(null);
  if (error) return html`<${ErrorBox} error=${error} />`;
  if (loading) return html`<${Loading} />`;
  const cycles = data.cycles.edges.map((e) => e.node).filter((c) => !c.isSummary);
  const preferred = cycles.filter(prefer);
  const fallback = preferred.find((c) => c.periodKind === "quarter") ?? preferred[0] ?? cycles[0];
  const cycle = cycles.find((c) => c.id === chosen) ?? fallback;
  if (!cycle) return html`<p class="muted">${t("mine.noCycle")}</p>`;
  return html`<p><${CyclePicker} cycles=${cycles} value=${cycle.id} onChange=${setChosen} /></p>
    ${render(cycle)}`;
}

/** Whether a cycle has reached its results (published results may be read). */
export function pastResults(cycle) {
  return cycle.status === "closed" || ["results", "appeal", "improvement"].includes(cycle.stage);
}

/** A page about the viewer's own record in a cycle: its title, then AnyCycle; said
 * so when the account has no employee record. */
export function OwnCyclePage({ viewer, title, prefer, render }) {
  useTitle(title);
  return html`<div>
    <h1>${title}</h1>
    ${viewer.employee
      ? html`<${AnyCycle} prefer=${prefer} render=${render} />`
      : html`<p class="muted">${t("scorecard.noEmployee")}</p>`}
  </div>`;
}

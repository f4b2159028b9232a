// The cycle a page is about: the tenant's open cycles, the default one (the
// newest open quarter, else the newest open cycle) and a picker.
//
//   html`<${OpenCycle} render=${(cycle) => html`<${MyView} cycle=${cycle} />`} />`
import { t } from "./i18n.js";
import { html, useState } from "./preact.js";
import { ErrorBox, Loading, useQuery } from "./ui.js";

const OPEN_CYCLES = `query OpenCycles {
  cycles(status: "open", first: 50) { edges { node { id period periodKind isSummary templateKey stage startsOn endsOn } } }
}`;

export function defaultCycle(cycles) {
  const plain = cycles.filter((c) => !c.isSummary);
  return plain.find((c) => c.periodKind === "quarter") ?? plain[0] ?? null;
}

/** {cycles, error, loading}: the open cycles (not summaries), newest period first. */
export function useOpenCycles() {
  const { data, error, loading } = useQuery(OPEN_CYCLES);
  const cycles = (data?.cycles.edges ?? []).map((e) => e.node).filter((c) => !c.isSummary);
  return { cycles, error, loading };
}

export function CyclePicker({ cycles, value, onChange }) {
  return html`<label class="row">${t("common.cycle")}
    <select value=${value ?? ""} onChange=${(e) => onChange(e.target.value)} data-test="cycle-picker">
      ${cycles.map((c) => html`<option value=${c.id}>${c.period} · ${c.templateKey}</option>`)}
    </select>
  </label>`;
}

/** The picker over the open cycles, then render(cycleId) for the chosen one (the
 * default at first); loading, errors and "no open cycle" said in its place. */
export function OpenCycle({ render }) {
  const { cycles, error, loading } = useOpenCycles();
  const [chosen, setChosen] = useState(null);
  const cycle = chosen ?? defaultCycle(cycles)?.id;
  if (error) return html`<${ErrorBox} error=${error} />`;
  if (loading) return html`<${Loading} />`;
  if (!cycle) return html`<p class="muted">${t("common.noOpenCycle")}</p>`;
  return html`<p><${CyclePicker} cycles=${cycles} value=${cycle} onChange=${setChosen} /></p>
    ${render(cycle)}`;
}

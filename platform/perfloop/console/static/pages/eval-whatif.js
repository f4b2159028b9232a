// HR's what-if (`whatIf`): the cycle's results with changed parameters — the
// installed app's parameters, editable as JSON — compared with the stored ones:
// the bands before and after (a chart), the mean totals and the people who move.
// Nothing is saved.
import { ChartCanvas, PALETTE } from "../lib/charts.js";
import { gql } from "../lib/api.js";
import { EVALUATION_NEEDS, EvaluationCycle, EvaluationLinks, formatScore, UnitPicker, useUnits } from "../lib/evaluation.js";
import { formatNumber, t } from "../lib/i18n.js";
import { html, useEffect, useMemo, useState } from "../lib/preact.js";
import { ErrorBox, FieldErrors, Loading, Stat, useQuery, useTitle } from "../lib/ui.js";

const APP_PARAMETERS = `query CycleApp($id: ID!) { cycle(id: $id) { id app { appKey appVersion parameters } } }`;

const WHAT_IF = `query WhatIf($cycle: ID!, $parameters: JSONObject, $orgUnit: ID) {
  whatIf(cycle: $cycle, parameters: $parameters, orgUnit: $orgUnit, first: 50) {
    people stored computed unsigned failed meanBefore meanAfter moved bandChanged
    bands { band before after }
    movers { employeeId employeeNo employeeName beforeTotal beforeRating beforeFrom afterTotal afterRating delta }
  }
}`;

function BandsChart({ bands }) {
  const config = useMemo(
    () => ({
      type: "bar",
      data: {
        labels: bands.map((b) => b.band ?? t("evaluation.whatif.noBand")),
        datasets: [
          { label: t("evaluation.whatif.before"), data: bands.map((b) => b.before), backgroundColor: PALETTE[6] },
          { label: t("evaluation.whatif.after"), data: bands.map((b) => b.after), backgroundColor: PALETTE[0] },
        ],
      },
      options: { scales: { y: { beginAtZero: true, ticks: { precision: 0 } } } },
    }),
    [bands, t("evaluation.whatif.before")],
  );
  return html`<${ChartCanvas} name="whatif" config=${config} label=${t("evaluation.whatif.chart")} height=${260} />`;
}

function Answer({ answer }) {
  return html`<div data-test="whatif-answer">
    <div class="cards">
      <${Stat} label=${t("evaluation.whatif.people")} value=${formatNumber(answer.people)} />
      <${Stat} label=${t("evaluation.whatif.mean")} value=${`${formatScore(answer.meanBefore)} → ${formatScore(answer.meanAfter)}`} />
      <${Stat} label=${t("evaluation.whatif.moved")} value=${formatNumber(answer.moved)} />
      <${Stat} label=${t("evaluation.whatif.bandChanged")} value=${formatNumber(answer.bandChanged)} />
    </div>
    <p class="muted">${t("evaluation.whatif.counts", answer)}</p>
    <section class="card"><h2>${t("evaluation.whatif.chart")}</h2><${BandsChart} bands=${answer.bands} /></section>
    <section class="card">
      <h2>${t("evaluation.whatif.movers")}</h2>
      ${answer.movers.length
        ? html`<table data-test="movers">
            <thead><tr><th>${t("evaluation.results.no")}</th><th>${t("evaluation.results.name")}</th>
              <th class="num">${t("evaluation.whatif.before")}</th><th class="num">${t("evaluation.whatif.after")}</th>
              <th class="num">${t("evaluation.whatif.delta")}</th></tr></thead>
            <tbody>${answer.movers.map(
              (m) => html`<tr>
                <td>${m.employeeNo}</td><td>${m.employeeName}</td>
                <td class="num">${formatScore(m.beforeTotal)} <strong>${m.beforeRating ?? "–"}</strong>
                  ${m.beforeFrom === "COMPUTED" ? html` <span class="muted">${t("evaluation.whatif.computed")}</span>` : null}</td>
                <td class="num">${formatScore(m.afterTotal)} <strong>${m.afterRating ?? "–"}</strong></td>
                <td class="num">${m.delta == null ? "–" : `${m.delta > 0 ? "+" : ""}${formatScore(m.delta)}`}</td>
              </tr>`,
            )}</tbody>
          </table>`
        : html`<p class="muted">${t("evaluation.whatif.nobodyMoves")}</p>`}
    </section>
  </div>`;
}

function WhatIf({ viewer, cycle }) {
  const { units } = useUnits();
  const [orgUnit, setOrgUnit] = useState(null);
  const app = useQuery(APP_PARAMETERS, { id: cycle.id }, [cycle.id]);
  const [text, setText] = useState(null);
  const [state, setState] = useState({ answer: null, error: null, busy: false, parseError: null });
  useEffect(() => {
    if (app.data && text == null) setText(JSON.stringify(app.data.cycle?.app?.parameters ?? {}, null, 2));
  }, [app.data]);

  const run = async () => {
    let parameters;
    try {
      parameters = JSON.parse(text || "{}");
      if (parameters === null || typeof parameters !== "object" || Array.isArray(parameters)) throw new Error(t("evaluation.whatif.notObject"));
    } catch (exc) {
      setState((s) => ({ ...s, parseError: [{ message: `${t("evaluation.whatif.badJson")}: ${exc.message}` }] }));
      return;
    }
    setState((s) => ({ ...s, busy: true, error: null, parseError: null }));
    try {
      const data = await gql(WHAT_IF, { cycle: cycle.id, parameters, orgUnit });
      setState({ answer: data.whatIf, error: null, busy: false, parseError: null });
    } catch (error) {
      setState({ answer: null, error, busy: false, parseError: null });
    }
  };

  if (app.error) return html`<${ErrorBox} error=${app.error} />`;
  if (app.loading || text == null) return html`<${Loading} />`;
  return html`
    <p class="row"><${UnitPicker} units=${units} value=${orgUnit} onChange=${setOrgUnit} /></p>
    <section class="card">
      <h2>${t("evaluation.whatif.parameters")}</h2>
      <p class="muted">${t("evaluation.whatif.hint", { app: app.data.cycle?.app ? `${app.data.cycle.app.appKey}@${app.data.cycle.app.appVersion}` : "–" })}</p>
      <textarea rows="14" value=${text} onInput=${(e) => setText(e.target.value)} data-field="parameters" spellcheck="false"></textarea>
      <${FieldErrors} errors=${state.parseError} />
      ${state.error ? html`<${ErrorBox} error=${state.error} />` : null}
      <p class="row">
        <button class="primary" onClick=${run} disabled=${state.busy} data-test="run-whatif">${t("evaluation.whatif.run")}</button>
        <button onClick=${() => setText(JSON.stringify(app.data.cycle?.app?.parameters ?? {}, null, 2))}>${t("evaluation.whatif.reset")}</button>
        <span class="muted">${t("evaluation.whatif.nothingSaved")}</span>
      </p>
    </section>
    ${state.busy ? html`<${Loading} />` : null}
    ${state.answer ? html`<${Answer} answer=${state.answer} />` : null}
    <${EvaluationLinks} viewer=${viewer} cycle=${cycle.id} here="whatif" />`;
}

function WhatIfPage({ viewer, params }) {
  useTitle(t("evaluation.whatif.title"));
  return html`<div>
    <h1>${t("evaluation.whatif.title")}</h1>
    <${EvaluationCycle} base="/evaluation/whatif" cycle=${params.cycle}
      render=${(cycle) => html`<${WhatIf} viewer=${viewer} cycle=${cycle} key=${cycle.id} />`} />
  </div>`;
}

export const page = {
  route: "/evaluation/whatif",
  title: "evaluation.whatif.title",
  nav: 72,
  requires: EVALUATION_NEEDS.whatif,
  view: WhatIfPage,
};

export const cyclePage = { ...page, route: "/evaluation/whatif/:cycle", nav: undefined };

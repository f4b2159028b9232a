// My result: the viewer's published result of a cycle with its explanation in the
// chosen language (result.explanation(lang)): the total, the band, the parts, each
// item's target, actual, completion, score and the template's rules that applied,
// the reviews by relation, calibrations; and the way to appeal it.
import { formatDateTime, formatNumber, formatPercent, language, t } from "../lib/i18n.js";
import { OwnCyclePage, pastResults } from "../lib/mycycles.js";
import { html } from "../lib/preact.js";
import { href } from "../lib/router.js";
import { can } from "../lib/session.js";
import { ErrorBox, Loading, Stat, useQuery } from "../lib/ui.js";

const RESULT = `query MyResult($cycle: ID!, $employee: ID!, $lang: ExplanationLanguage!) {
  result(cycle: $cycle, employee: $employee) {
    version status total kpiPart reviewPart rating multiplier publishedAt
    explanation(lang: $lang) {
      ratingTitle
      items { key title unit target actual completion score weight rules }
      relations { relation label weight raters score hidden }
      calibrations { line }
    }
  }
}`;

const number = (value) => formatNumber(value, { maximumFractionDigits: 2 });

function Items({ items }) {
  return html`<table data-test="result-items">
    <thead><tr>
      <th>${t("scorecard.item")}</th><th class="num">${t("scorecard.target")}</th>
      <th class="num">${t("scorecard.actual")}</th><th class="num">${t("scorecard.completion")}</th>
      <th class="num">${t("result.score")}</th><th class="num">${t("scorecard.weight")}</th>
    </tr></thead>
    <tbody>
      ${items.map(
        (item) => html`<tr data-item=${item.key}>
          <td><span class="item-title">${item.title}</span>
            <ul class="rules">${item.rules.map((rule) => html`<li>${rule}</li>`)}</ul></td>
          <td class="num">${number(item.target)} ${item.unit ?? ""}</td>
          <td class="num">${item.actual == null ? t("result.noActual") : `${number(item.actual)} ${item.unit ?? ""}`}</td>
          <td class="num">${formatPercent(item.completion)}</td>
          <td class="num">${number(item.score)}</td>
          <td class="num">${number(item.weight)}</td>
        </tr>`,
      )}
    </tbody>
  </table>`;
}

function Relations({ relations }) {
  return html`<table data-test="result-relations">
    <thead><tr><th>${t("result.relation")}</th><th class="num">${t("scorecard.weight")}</th>
      <th class="num">${t("result.raters")}</th><th class="num">${t("result.score")}</th></tr></thead>
    <tbody>
      ${relations.map(
        (r) => html`<tr>
          <td>${r.label}</td><td class="num">${number(r.weight)}</td><td class="num">${r.raters}</td>
          <td class="num">${r.hidden ? html`<span class="muted">${t("result.hidden")}</span>` : number(r.score)}</td>
        </tr>`,
      )}
    </tbody>
  </table>`;
}

function Result({ viewer, cycle }) {
  const lang = language() === "zh-CN" ? "ZH_CN" : "EN";
  const variables = { cycle: cycle.id, employee: viewer.employee.id, lang };
  const { data, error, loading } = useQuery(RESULT, variables, [cycle.id, lang]);
  if (error) return html`<${ErrorBox} error=${error} />`;
  if (loading) return html`<${Loading} />`;
  const result = data.result;
  if (!result) return html`<p class="muted">${t("result.none")}</p>`;
  const why = result.explanation;
  return html`<div>
    <div class="cards">
      <${Stat} label=${t("result.total")} value=${number(result.total)} />
      <div class="card" data-test="result-band"><div class="stat">${result.rating ?? "–"}</div>
        <div class="stat-label">${t("result.band")} · ${why.ratingTitle ?? ""}</div></div>
      <${Stat} label=${t("result.kpiPart")} value=${number(result.kpiPart)} />
      <${Stat} label=${t("result.reviewPart")} value=${number(result.reviewPart)} />
      <${Stat} label=${t("result.multiplier")} value=${number(result.multiplier)} />
    </div>
    <p class="muted">${t("result.version", { version: result.version, at: formatDateTime(result.publishedAt) })}</p>
    ${cycle.status === "open" && can(viewer, "appeal.file")
      ? html`<p><a href=${href(`/appeal/${cycle.id}`)} data-test="appeal-link">${t("appeal.file")}</a></p>`
      : null}
    <h2>${t("result.items")}</h2>
    <${Items} items=${why.items} />
    <h2>${t("result.reviews")}</h2>
    <${Relations} relations=${why.relations} />
    ${why.calibrations.length
      ? html`<h2>${t("result.calibrations")}</h2><ul>${why.calibrations.map((c) => html`<li>${c.line}</li>`)}</ul>`
      : null}
  </div>`;
}

function MyResult({ viewer }) {
  const render = (cycle) => html`<${Result} viewer=${viewer} cycle=${cycle} />`;
  return html`<${OwnCyclePage} viewer=${viewer} title=${t("result.title")} prefer=${pastResults} render=${render} />`;
}

export const page = {
  route: "/result",
  title: "result.title",
  nav: 24,
  requires: ["result.read"],
  view: MyResult,
};

// One appeal for its reviewer: the appealed result (parts, band, items), the
// appellant's answers, the trail, and the decision (`decideAppeal`: UPHELD, or
// ADJUSTED with corrected actuals and/or another band; a reason always), its
// errors next to the fields.
import { useAction, unplaced } from "../lib/actions.js";
import { ERROR_FIELDS, errorsAt, mutate } from "../lib/api.js";
import { decidesAppeals, formatScore } from "../lib/evaluation.js";
import { FeedbackMeetings } from "../lib/feedback.js";
import { formatDateTime, formatNumber, formatPercent, language, t } from "../lib/i18n.js";
import { html, useState } from "../lib/preact.js";
import { href } from "../lib/router.js";
import { can } from "../lib/session.js";
import { ErrorBox, FieldErrors, Loading, useQuery, useTitle } from "../lib/ui.js";

const APPEAL = `query Appeal($id: ID!) {
  appeal(id: $id) {
    id cycleId employeeId employeeName resultVersion form answers status reviewerRule reviewerName
    filedAt decision reason decidedBy decidedAt before after newVersion revision
    trail { event by at note }
  }
}`;

const RESULT = `query AppealedResult($cycle: ID!, $employee: ID!, $version: Int, $lang: ExplanationLanguage) {
  result(cycle: $cycle, employee: $employee, version: $version) {
    version status kpiPart reviewPart total rating multiplier
    explanation(lang: $lang) { ratingTitle items { key title unit target actual completion score weight } }
  }
}`;

const DECIDE = `mutation Decide($appeal: ID!, $decision: AppealDecision!, $reason: String!, $expectedRevision: Int!,
                           $actuals: [ActualAdjustmentInput!], $rating: String) {
  decideAppeal(appeal: $appeal, decision: $decision, reason: $reason, expectedRevision: $expectedRevision,
               actuals: $actuals, rating: $rating) {
    appeal { id status } ${ERROR_FIELDS}
  }
}`;

function Answers({ answers }) {
  return html`<dl class="answers" data-test="appeal-answers">
    ${Object.entries(answers ?? {}).map(
      ([key, value]) => html`<dt>${key}</dt><dd>${Array.isArray(value)
        ? html`<ul>${value.map((v) => html`<li>${/^https?:\/\//.test(String(v)) ? html`<a href=${v} rel="noreferrer noopener" target="_blank">${v}</a>` : String(v)}</li>`)}</ul>`
        : String(value)}</dd>`,
    )}
  </dl>`;
}

function Result({ appeal }) {
  const lang = language() === "en" ? "EN" : "ZH_CN";
  const { data, error, loading } = useQuery(
    RESULT,
    { cycle: appeal.cycleId, employee: appeal.employeeId, version: appeal.resultVersion, lang },
    [appeal.id, lang],
  );
  if (error) return html`<${ErrorBox} error=${error} />`;
  if (loading || !data) return html`<${Loading} />`;
  const r = data.result;
  if (!r) return html`<p class="muted">${t("evaluation.appeal.noResult")}</p>`;
  return html`<div data-test="appeal-result">
    <p class="row">
      <span class="badge">v${r.version}</span>
      <span>${t("evaluation.results.kpi")}: ${formatScore(r.kpiPart)}</span>
      <span>${t("evaluation.results.review")}: ${formatScore(r.reviewPart)}</span>
      <span>${t("evaluation.results.total")}: <strong>${formatScore(r.total)}</strong></span>
      <span>${t("evaluation.results.rating")}: <strong>${r.rating ?? "–"}</strong> ${r.explanation.ratingTitle ?? ""}</span>
      <span>${t("evaluation.results.multiplier")}: ${formatNumber(r.multiplier)}</span>
    </p>
    <table>
      <thead><tr><th>${t("evaluation.appeal.item")}</th><th class="num">${t("evaluation.appeal.target")}</th>
        <th class="num">${t("evaluation.appeal.actual")}</th><th class="num">${t("evaluation.appeal.completion")}</th>
        <th class="num">${t("evaluation.appeal.score")}</th><th class="num">${t("evaluation.appeal.weight")}</th></tr></thead>
      <tbody>${r.explanation.items.map((i) => html`<tr data-item=${i.key}>
        <td>${i.title} <span class="muted">${i.key}</span></td><td class="num">${formatNumber(i.target)}</td>
        <td class="num">${formatNumber(i.actual)} ${i.unit ?? ""}</td><td class="num">${formatPercent(i.completion)}</td>
        <td class="num">${formatScore(i.score)}</td><td class="num">${formatNumber(i.weight)}</td></tr>`)}</tbody>
    </table>
  </div>`;
}

function DecideForm({ appeal, onDecided }) {
  const lang = language() === "en" ? "EN" : "ZH_CN";
  const result = useQuery(RESULT, { cycle: appeal.cycleId, employee: appeal.employeeId, version: appeal.resultVersion, lang }, [appeal.id]);
  const [decision, setDecision] = useState("UPHELD");
  const [reason, setReason] = useState("");
  const [rating, setRating] = useState("");
  const [actuals, setActuals] = useState({});
  const items = result.data?.result?.explanation.items ?? [];
  const changed = Object.entries(actuals)
    .filter(([, v]) => v !== "")
    .map(([item, v]) => ({ item, actual: Number(v) }));
  const action = useAction(
    () =>
      mutate(
        DECIDE,
        {
          appeal: appeal.id,
          decision,
          reason,
          expectedRevision: appeal.revision,
          actuals: decision === "ADJUSTED" && changed.length ? changed : null,
          rating: decision === "ADJUSTED" && rating.trim() ? rating.trim() : null,
        },
        "decideAppeal",
      ),
    onDecided,
  );
  const error = action.error;
  const other = unplaced(error, ["decision", "reason", "actuals", "rating"]);
  return html`<form onSubmit=${action.submit} class="card decide" data-test="decide-form">
    <h2>${t("evaluation.appeal.decide")}</h2>
    <fieldset class="row" data-field="decision">
      ${["UPHELD", "ADJUSTED"].map(
        (d) => html`<label class="row"><input type="radio" name="decision" value=${d} checked=${decision === d}
          onChange=${() => setDecision(d)} /> ${t(`evaluation.decision.${d}`)}</label>`,
      )}
    </fieldset>
    <p class="muted">${t(`evaluation.appeal.hint.${decision}`)}</p>
    <div data-errors="decision"><${FieldErrors} errors=${errorsAt(error, ["decision"])} /></div>
    ${decision === "ADJUSTED"
      ? html`<div>
          <h3>${t("evaluation.appeal.correctedActuals")}</h3>
          <table><tbody>${items.map((i) => html`<tr>
            <td>${i.title} <span class="muted">${i.key}</span></td>
            <td class="num">${formatNumber(i.actual)}</td>
            <td><input type="number" step="any" value=${actuals[i.key] ?? ""} data-item=${i.key}
              placeholder=${t("evaluation.appeal.unchanged")}
              onInput=${(e) => setActuals({ ...actuals, [i.key]: e.target.value })} /></td></tr>`)}</tbody></table>
          <div data-errors="actuals"><${FieldErrors} errors=${errorsAt(error, ["actuals"])} /></div>
          <label>${t("evaluation.appeal.rating")}
            <input type="text" value=${rating} onInput=${(e) => setRating(e.target.value)} data-field="rating"
              placeholder=${t("evaluation.appeal.unchanged")} size="6" /></label>
          <div data-errors="rating"><${FieldErrors} errors=${errorsAt(error, ["rating"])} /></div>
        </div>`
      : null}
    <label>${t("evaluation.appeal.reason")}
      <textarea rows="3" value=${reason} onInput=${(e) => setReason(e.target.value)} data-field="reason"></textarea></label>
    <div data-errors="reason"><${FieldErrors} errors=${errorsAt(error, ["reason"])} /></div>
    ${other.length ? html`<${ErrorBox} error=${{ errors: other }} />` : null}
    <button class="primary" disabled=${action.busy} data-test="decide">${t("evaluation.appeal.submit")}</button>
  </form>`;
}

function Trail({ trail }) {
  return html`<ol class="trail" data-test="appeal-trail">
    ${trail.map((e) => html`<li><strong>${t(`evaluation.trail.${e.event}`)}</strong> · ${e.by} · ${formatDateTime(e.at)}
      ${e.note ? html`<div class="muted">${e.note}</div>` : null}</li>`)}
  </ol>`;
}

const CHANGE_ROWS = [
  ["version", "evaluation.results.version"],
  ["kpiPart", "evaluation.results.kpi"],
  ["reviewPart", "evaluation.results.review"],
  ["total", "evaluation.results.total"],
  ["rating", "evaluation.results.rating"],
  ["multiplier", "evaluation.results.multiplier"],
];

/** A decided appeal's result before and after: the parts, and the actuals it corrected. */
function Change({ appeal }) {
  if (!appeal.before || !appeal.after) return null;
  const show = (key, v) => (key === "version" || typeof v !== "number" ? v ?? "–" : formatScore(v));
  const before = appeal.before.actuals ?? {};
  const after = appeal.after.actuals ?? {};
  const corrected = Object.keys(after).filter((k) => before[k] !== after[k]);
  return html`<table data-test="appeal-change">
    <thead><tr><th></th><th class="num">${t("evaluation.whatif.before")}</th><th class="num">${t("evaluation.whatif.after")}</th></tr></thead>
    <tbody>
      ${CHANGE_ROWS.map(([k, label]) => html`<tr><td>${t(label)}</td><td class="num">${show(k, appeal.before[k])}</td><td class="num">${show(k, appeal.after[k])}</td></tr>`)}
      ${corrected.map((k) => html`<tr data-item=${k}><td>${t("evaluation.appeal.actual")} <span class="muted">${k}</span></td>
        <td class="num">${formatNumber(before[k])}</td><td class="num">${formatNumber(after[k])}</td></tr>`)}
    </tbody>
  </table>`;
}

function AppealPage({ viewer, params }) {
  useTitle(t("evaluation.appeal.title", { id: params.id }));
  const [round, setRound] = useState(0);
  const { data, error, loading } = useQuery(APPEAL, { id: params.id }, [params.id, round]);
  if (error) return html`<${ErrorBox} error=${error} />`;
  if (loading || !data) return html`<${Loading} />`;
  const appeal = data.appeal;
  if (!appeal) return html`<p class="muted">${t("evaluation.appeal.unknown")}</p>`;
  return html`<div data-test="appeal" data-status=${appeal.status}>
    <p><a href=${href("/evaluation/appeals")}>← ${t("evaluation.appeals.title")}</a></p>
    <h1>${t("evaluation.appeal.title", { id: appeal.id })}: ${appeal.employeeName}</h1>
    <p class="row">
      <span class=${`badge ${appeal.status === "OPEN" ? "warn" : "good"}`}>${t(`evaluation.appealStatus.${appeal.status}`)}</span>
      ${appeal.decision ? html`<strong>${t(`evaluation.decision.${appeal.decision}`)}</strong>` : null}
      <span class="muted">${t("evaluation.appeal.reviewer")}: ${appeal.reviewerName ?? t("evaluation.appeals.hr")} (${appeal.reviewerRule})</span>
      <span class="muted">${appeal.form}</span>
    </p>
    <section class="card"><h2>${t("evaluation.appeal.result", { version: appeal.resultVersion })}</h2><${Result} appeal=${appeal} /></section>
    <section class="card"><h2>${t("evaluation.appeal.answers")}</h2><${Answers} answers=${appeal.answers} /></section>
    ${appeal.status === "DECIDED"
      ? html`<section class="card"><h2>${t("evaluation.appeal.decision")}</h2>
          <p>${appeal.reason}</p>
          <p class="muted">${appeal.decidedBy} · ${formatDateTime(appeal.decidedAt)}
            ${appeal.newVersion ? html` · ${t("evaluation.appeal.newVersion", { version: appeal.newVersion })}` : null}</p>
          ${appeal.decision === "ADJUSTED" ? html`<${Change} appeal=${appeal} />` : null}</section>`
      : decidesAppeals(viewer) && appeal.employeeId !== viewer.employee?.id
        ? html`<${DecideForm} appeal=${appeal} onDecided=${() => setRound((r) => r + 1)} />`
        : null}
    <section class="card"><h2>${t("evaluation.appeal.trail")}</h2><${Trail} trail=${appeal.trail} /></section>
    ${can(viewer, "feedback.read") || can(viewer, "feedback.write")
      ? html`<section class="card"><h2>${t("evaluation.feedback.title")}</h2>
          <${FeedbackMeetings} viewer=${viewer} cycle=${appeal.cycleId} employee=${appeal.employeeId} /></section>`
      : null}
  </div>`;
}

export const page = {
  route: "/evaluation/appeals/:id",
  title: "evaluation.appeals.title",
  requires: ["appeal.read"],
  view: AppealPage,
};

// My appeals: every appeal the viewer filed, newest first, with its status, the
// reviewer, the decision and its reason, the trail, and the answers in their form.
import { formatDateTime, t } from "../lib/i18n.js";
import { JsonForm, useFormTemplate } from "../lib/jsonform.js";
import { html, useRef } from "../lib/preact.js";
import { ErrorBox, Loading, useQuery, useTitle } from "../lib/ui.js";

const MY_APPEALS = `query MyAppeals($employee: ID!) {
  appeals(employee: $employee, first: 50) { edges { node {
    id cycleId resultVersion form answers status reviewerName filedAt
    decision reason decidedBy decidedAt newVersion trail { event by at note }
  } } }
}`;

function Answers({ appeal }) {
  const { form, error } = useFormTemplate(appeal.form);
  const editor = useRef(null);
  if (error) return html`<${ErrorBox} error=${error} />`;
  return form ? html`<${JsonForm} form=${form} value=${appeal.answers} editorRef=${editor} disabled=${true} />` : null;
}

function Appeal({ appeal }) {
  const decided = appeal.status !== "OPEN";
  return html`<div class="card" data-appeal=${appeal.id}>
    <p class="row">
      <span class=${`badge${decided ? " good" : " warn"}`} data-test="appeal-status">${t(`appeal.status.${appeal.status}`)}</span>
      ${appeal.decision ? html`<strong data-test="appeal-decision">${t(`appeal.decision.${appeal.decision}`)}</strong>` : null}
      <span class="muted">${t("appeal.filedOn", { at: formatDateTime(appeal.filedAt), version: appeal.resultVersion })}</span>
    </p>
    <p>${t("appeal.reviewer")}: ${appeal.reviewerName ?? t("appeal.hr")}</p>
    ${appeal.reason ? html`<p>${t("appeal.reason")}: ${appeal.reason}</p>` : null}
    ${appeal.newVersion ? html`<p>${t("appeal.newVersion", { version: appeal.newVersion })}</p>` : null}
    <ul class="trail">
      ${appeal.trail.map(
        (e) => html`<li>${formatDateTime(e.at)} · ${t(`appeal.event.${e.event}`)} · ${e.by}${e.note ? ` — ${e.note}` : ""}</li>`,
      )}
    </ul>
    <details><summary>${t("appeal.answers")}</summary><${Answers} appeal=${appeal} /></details>
  </div>`;
}

function MyAppeals({ viewer }) {
  useTitle(t("appeal.title"));
  const employee = viewer.employee?.id;
  const { data, error, loading } = useQuery(employee ? MY_APPEALS : null, { employee }, [employee]);
  const body = () => {
    if (!employee) return html`<p class="muted">${t("scorecard.noEmployee")}</p>`;
    if (error) return html`<${ErrorBox} error=${error} />`;
    if (loading) return html`<${Loading} />`;
    const appeals = data.appeals.edges.map((e) => e.node);
    if (!appeals.length) return html`<p class="muted">${t("appeal.none")}</p>`;
    return appeals.map((a) => html`<${Appeal} appeal=${a} key=${a.id} />`);
  };
  return html`<div><h1>${t("appeal.title")}</h1><p class="muted">${t("appeal.how")}</p>${body()}</div>`;
}

export const page = {
  route: "/appeals",
  title: "appeal.title",
  nav: 26,
  requires: ["appeal.read"],
  view: MyAppeals,
};

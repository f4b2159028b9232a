// One review form: the assignment's form template rendered from its JSON Schema
// (lib/jsonform.js), saved as a draft (saveReviewDraft) or submitted (submitReview)
// at the revision read; the API's errors are shown at their fields.
import { ERROR_FIELDS, mutate } from "../lib/api.js";
import { formatDateTime, formatNumber, pick, t } from "../lib/i18n.js";
import { JsonForm, useFormTemplate } from "../lib/jsonform.js";
import { html, useRef, useState } from "../lib/preact.js";
import { ErrorBox, Loading, useQuery, useTitle } from "../lib/ui.js";

const FIELDS = "id cycleId stage form relation subjectName status answers revision score submittedAt";

const ASSIGNMENT = `query Review($id: ID!) { reviewAssignment(id: $id) { ${FIELDS} } }`;

const SAVE = (field) => `mutation Save($id: ID!, $answers: JSONObject!, $revision: Int) {
  ${field}(assignment: $id, answers: $answers, expectedRevision: $revision) {
    assignment { ${FIELDS} } ${ERROR_FIELDS}
  }
}`;

function Form({ assignment, form }) {
  const editor = useRef(null);
  const [state, setState] = useState({ current: assignment, busy: false, error: null, done: null });
  const current = state.current;
  const submitted = current.status === "submitted";
  const save = async (field) => {
    setState((s) => ({ ...s, busy: true, error: null, done: null }));
    const variables = { id: current.id, answers: editor.current.getValue(), revision: current.revision };
    try {
      const payload = await mutate(SAVE(field), variables, field);
      setState({ current: payload.assignment, busy: false, error: null, done: field });
    } catch (error) {
      setState((s) => ({ ...s, busy: false, error }));
    }
  };
  return html`<div>
    <p class="muted">${pick(form.description)}</p>
    <p>
      <span class=${`badge${submitted ? " good" : ""}`} data-test="review-status">${t(`review.status.${current.status}`)}</span>
      ${submitted
        ? html` ${t("review.submittedAt", { at: formatDateTime(current.submittedAt) })}
            · ${t("review.score")} ${formatNumber(current.score, { maximumFractionDigits: 1 })}`
        : null}
    </p>
    <${JsonForm} form=${form} value=${current.answers} error=${state.error} editorRef=${editor} disabled=${submitted} />
    ${submitted
      ? null
      : html`<div class="row">
          <button disabled=${state.busy} onClick=${() => save("saveReviewDraft")} data-test="save-draft">
            ${t("review.saveDraft")}</button>
          <button class="primary" disabled=${state.busy} onClick=${() => save("submitReview")} data-test="submit-review">
            ${t("review.submit")}</button>
        </div>`}
    ${state.done === "saveReviewDraft" ? html`<p class="badge good" data-test="review-saved">${t("review.saved")}</p>` : null}
  </div>`;
}

function Review({ params }) {
  const { data, error, loading } = useQuery(ASSIGNMENT, { id: params.id }, [params.id]);
  const assignment = data?.reviewAssignment;
  const template = useFormTemplate(assignment?.form);
  useTitle(template.form ? pick(template.form.title) : t("review.title"));
  if (error || template.error) return html`<${ErrorBox} error=${error ?? template.error} />`;
  if (loading || template.loading) return html`<${Loading} />`;
  if (!assignment) return html`<p class="muted">${t("review.notFound")}</p>`;
  if (!template.form) return html`<${Loading} />`;
  return html`<div>
    <p><a href="#/reviews">← ${t("review.title")}</a></p>
    <h1 data-test="review-title">${pick(template.form.title)} · ${assignment.subjectName}</h1>
    <${Form} assignment=${assignment} form=${template.form} />
  </div>`;
}

export const page = {
  route: "/reviews/:id",
  requires: ["review.write"],
  view: Review,
};

// Reviews to write: the review forms the viewer fills in about their people in a
// cycle (reviewAssignments(mine: true), every relation but their own self review),
// the unanswered first; each opens the review form page (#/reviews/<id>).
import { OpenCycle } from "../lib/cycles.js";
import { formatDateTime, t } from "../lib/i18n.js";
import { html } from "../lib/preact.js";
import { href } from "../lib/router.js";
import { ErrorBox, Loading, useQuery, useTitle } from "../lib/ui.js";

const MINE = `query MyReviews($cycle: ID!) {
  reviewAssignments(cycle: $cycle, mine: true, first: 100) { edges { node {
    id stage form relation required subjectId subjectName status submittedAt } } }
}`;
const WAITING = ["pending", "draft"];

function Assignments({ cycle }) {
  const { data, error, loading } = useQuery(MINE, { cycle }, [cycle]);
  if (error) return html`<${ErrorBox} error=${error} />`;
  if (loading || !data) return html`<${Loading} />`;
  const rows = data.reviewAssignments.edges.map((e) => e.node).filter((a) => a.relation !== "self");
  rows.sort((a, b) => Number(WAITING.includes(b.status)) - Number(WAITING.includes(a.status)));
  if (!rows.length) return html`<p class="muted" data-test="no-reviews">${t("reviewsToWrite.none")}</p>`;
  return html`<table data-test="reviews-to-write">
    <thead><tr><th>${t("reviewsToWrite.subject")}</th><th>${t("reviewsToWrite.relation")}</th>
      <th>${t("reviewsToWrite.stage")}</th><th>${t("reviewsToWrite.status")}</th><th></th></tr></thead>
    <tbody>${rows.map(
      (a) => html`<tr data-assignment=${a.id}>
        <td>${a.subjectName}</td>
        <td>${t(`reviewsToWrite.relation.${a.relation}`)}${a.required ? "" : html` <span class="muted">${t("reviewsToWrite.optional")}</span>`}</td>
        <td>${a.stage}</td>
        <td><span class=${`badge ${a.status === "submitted" ? "good" : WAITING.includes(a.status) ? "warn" : ""}`}>
          ${t(`reviewsToWrite.status.${a.status}`)}</span>
          ${a.submittedAt ? html` <span class="muted">${formatDateTime(a.submittedAt)}</span>` : null}</td>
        <td><a href=${href(`/reviews/${a.id}`)} data-test="open-review">
          ${WAITING.includes(a.status) ? t("reviewsToWrite.write") : t("reviewsToWrite.open")}</a></td>
      </tr>`,
    )}</tbody>
  </table>`;
}

function TeamReviews() {
  useTitle(t("reviewsToWrite.title"));
  return html`<div>
    <h1>${t("reviewsToWrite.title")}</h1>
    <${OpenCycle} render=${(cycle) => html`<${Assignments} cycle=${cycle} />`} />
  </div>`;
}

export const page = {
  route: "/reviews-to-write",
  title: "reviewsToWrite.title",
  nav: 53,
  requires: ["review.write", "review.assign"],
  view: TeamReviews,
};

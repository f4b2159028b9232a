// My reviews: the forms the viewer fills in, in a cycle (reviewAssignments, mine):
// their self review, the peers they review and, for a manager, their people's
// manager reviews; each opens the form (pages/review.js).
import { t } from "../lib/i18n.js";
import { AnyCycle } from "../lib/mycycles.js";
import { html } from "../lib/preact.js";
import { href } from "../lib/router.js";
import { ErrorBox, Loading, useQuery, useTitle } from "../lib/ui.js";

const MY_REVIEWS = `query MyReviews($cycle: ID!) {
  reviewAssignments(cycle: $cycle, mine: true, first: 100) {
    edges { node { id stage form relation subjectName status score submittedAt } }
  }
}`;

const OPEN = ["pending", "draft"];

function Assignments({ cycle }) {
  const { data, error, loading } = useQuery(MY_REVIEWS, { cycle: cycle.id }, [cycle.id]);
  if (error) return html`<${ErrorBox} error=${error} />`;
  if (loading) return html`<${Loading} />`;
  const rows = data.reviewAssignments.edges.map((e) => e.node);
  if (!rows.length) return html`<p class="muted">${t("review.none")}</p>`;
  rows.sort((a, b) => OPEN.includes(b.status) - OPEN.includes(a.status));
  return html`<table data-test="review-assignments">
    <thead><tr>
      <th>${t("review.subject")}</th><th>${t("review.relation")}</th><th>${t("review.stage")}</th>
      <th>${t("review.status")}</th><th></th>
    </tr></thead>
    <tbody>
      ${rows.map(
        (a) => html`<tr data-assignment=${a.id} data-status=${a.status}>
          <td>${a.subjectName}</td>
          <td>${t(`review.relation.${a.relation}`)}</td>
          <td>${a.stage}</td>
          <td><span class=${`badge${a.status === "submitted" ? " good" : ""}`}>${t(`review.status.${a.status}`)}</span></td>
          <td><a href=${href(`/reviews/${a.id}`)} data-test="open-review">
            ${OPEN.includes(a.status) ? t("review.fill") : t("review.view")}</a></td>
        </tr>`,
      )}
    </tbody>
  </table>`;
}

function MyReviews() {
  useTitle(t("review.title"));
  return html`<div>
    <h1>${t("review.title")}</h1>
    <${AnyCycle} prefer=${(c) => c.status === "open"} render=${(cycle) => html`<${Assignments} cycle=${cycle} key=${cycle.id} />`} />
  </div>`;
}

export const page = {
  route: "/reviews",
  title: "review.title",
  nav: 22,
  requires: ["review.write"],
  view: MyReviews,
};

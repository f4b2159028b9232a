// The appeals a reviewer decides (`appeals`): HR sees every appeal in reach, a
// reviewer (the appellant's manager's manager) those assigned to them; open ones
// first by default. Each opens its page (eval-appeal.js).
import { decidesAppeals } from "../lib/evaluation.js";
import { formatDateTime, t } from "../lib/i18n.js";
import { html, useState } from "../lib/preact.js";
import { href } from "../lib/router.js";
import { scopeOf } from "../lib/session.js";
import { ErrorBox, Loading, useQuery, useTitle } from "../lib/ui.js";

const APPEALS = `query DecideAppeals($status: AppealStatus, $assignedToMe: Boolean) {
  appeals(status: $status, assignedToMe: $assignedToMe, first: 100) {
    totalCount
    edges { node { id cycleId employeeName resultVersion status decision reviewerName filedAt decidedAt answers } }
  }
}`;

function AppealList({ viewer }) {
  const hr = scopeOf(viewer, "appeal.decide") === "tenant";
  const [status, setStatus] = useState("OPEN");
  const [mine, setMine] = useState(!hr);
  const { data, error, loading } = useQuery(APPEALS, { status: status || null, assignedToMe: mine }, [status, mine]);
  return html`
    <div class="row">
      <label class="row">${t("evaluation.appeals.status")}
        <select value=${status} onChange=${(e) => setStatus(e.target.value)} data-test="appeal-status">
          <option value="OPEN">${t("evaluation.appealStatus.OPEN")}</option>
          <option value="DECIDED">${t("evaluation.appealStatus.DECIDED")}</option>
          <option value="">${t("evaluation.appeals.all")}</option>
        </select>
      </label>
      <label class="row"><input type="checkbox" checked=${mine} onChange=${(e) => setMine(e.target.checked)} data-test="assigned-to-me" />
        ${t("evaluation.appeals.assignedToMe")}</label>
    </div>
    ${error
      ? html`<${ErrorBox} error=${error} />`
      : loading || !data
        ? html`<${Loading} />`
        : data.appeals.edges.length
          ? html`<table data-test="appeals">
              <thead><tr><th>#</th><th>${t("evaluation.appeals.person")}</th><th>${t("evaluation.appeals.category")}</th>
                <th>${t("evaluation.appeals.status")}</th><th>${t("evaluation.appeals.reviewer")}</th><th>${t("evaluation.appeals.filed")}</th></tr></thead>
              <tbody>${data.appeals.edges.map(({ node: a }) => html`<tr data-appeal=${a.id}>
                <td><a href=${href(`/evaluation/appeals/${a.id}`)}>${a.id}</a></td>
                <td><a href=${href(`/evaluation/appeals/${a.id}`)}>${a.employeeName}</a> <span class="muted">v${a.resultVersion}</span></td>
                <td>${a.answers?.category ?? "–"}</td>
                <td><span class=${`badge ${a.status === "OPEN" ? "warn" : "good"}`}>${t(`evaluation.appealStatus.${a.status}`)}</span>
                  ${a.decision ? html` ${t(`evaluation.decision.${a.decision}`)}` : null}</td>
                <td>${a.reviewerName ?? t("evaluation.appeals.hr")}</td>
                <td>${formatDateTime(a.filedAt)}</td>
              </tr>`)}</tbody>
            </table>`
          : html`<p class="muted" data-test="no-appeals">${t("evaluation.appeals.none")}</p>`}`;
}

function AppealsPage({ viewer }) {
  useTitle(t("evaluation.appeals.title"));
  return html`<div><h1>${t("evaluation.appeals.title")}</h1><${AppealList} viewer=${viewer} /></div>`;
}

export const page = {
  route: "/evaluation/appeals",
  title: "evaluation.appeals.title",
  nav: 73,
  requires: ["appeal.decide", "appeal.read"],
  visible: decidesAppeals,
  view: AppealsPage,
};

// My scorecard: the viewer's own plan in the chosen cycle, item titles in the chosen
// language (ScorecardItem.titles), progress per item, and signing it as the
// employee when they have not yet (signScorecard, at the revision read); check-ins
// (pages/scorecard-checkins.js).
import { ERROR_FIELDS, mutate } from "../lib/api.js";
import { OpenCycle } from "../lib/cycles.js";
import { formatDateTime, formatNumber, formatPercent, pick, t } from "../lib/i18n.js";
import { html, useState } from "../lib/preact.js";
import { can } from "../lib/session.js";
import { ErrorBox, Loading, ProgressBar, Stat, useQuery, useTitle } from "../lib/ui.js";
import { CheckIns } from "./scorecard-checkins.js";

const SCORECARD_FIELDS = `id status revision employeeSignedAt managerSignedAt totalWeight
  completion score rating behindCount
  items { id key titles { zhCN en } unit weight target actual completion expectedProgress behind sourceType }`;

const SCORECARD = `query MyScorecard($employee: ID!, $cycle: ID!) {
  scorecard(employee: $employee, cycle: $cycle) { ${SCORECARD_FIELDS} }
}`;

const SIGN = `mutation Sign($scorecard: ID!, $revision: Int!) {
  signScorecard(scorecard: $scorecard, signer: EMPLOYEE, expectedRevision: $revision) {
    scorecard { ${SCORECARD_FIELDS} }
    ${ERROR_FIELDS}
  }
}`;

function Items({ items }) {
  return html`<table data-test="scorecard-items">
    <thead><tr>
      <th>${t("scorecard.item")}</th><th class="num">${t("scorecard.weight")}</th>
      <th class="num">${t("scorecard.target")}</th><th class="num">${t("scorecard.actual")}</th>
      <th>${t("scorecard.completion")}</th>
    </tr></thead>
    <tbody>
      ${items.map(
        (item) => html`<tr data-item=${item.key}>
          <td><span class="item-title">${pick(item.titles)}</span>
            ${item.behind ? html` <span class="badge warn">${t("scorecard.behind")}</span>` : null}</td>
          <td class="num">${formatNumber(item.weight)}</td>
          <td class="num">${formatNumber(item.target)} ${item.unit ?? ""}</td>
          <td class="num">${formatNumber(item.actual)}</td>
          <td><${ProgressBar} share=${item.completion} behind=${item.behind} /></td>
        </tr>`,
      )}
    </tbody>
  </table>`;
}

function Signature({ card, viewer, onSigned }) {
  const [state, setState] = useState({ busy: false, error: null });
  if (card.employeeSignedAt) {
    return html`<p><span class="badge good" data-test="signed">${t("scorecard.signedAt", { at: formatDateTime(card.employeeSignedAt) })}</span></p>`;
  }
  if (!can(viewer, "scorecard.sign")) return null;
  const sign = async () => {
    setState({ busy: true, error: null });
    try {
      const payload = await mutate(SIGN, { scorecard: card.id, revision: card.revision }, "signScorecard");
      setState({ busy: false, error: null });
      onSigned(payload.scorecard);
    } catch (error) {
      setState({ busy: false, error });
    }
  };
  return html`<div>
    <button class="primary" disabled=${state.busy} onClick=${sign} data-test="sign">${t("scorecard.sign")}</button>
    <${ErrorBox} error=${state.error} />
  </div>`;
}

function Plan({ viewer, cycle }) {
  const employee = viewer.employee.id;
  const { data, error, loading } = useQuery(SCORECARD, { employee, cycle }, [cycle]);
  const [signed, setSigned] = useState(null);
  if (error) return html`<${ErrorBox} error=${error} />`;
  if (loading) return html`<${Loading} />`;
  const card = signed?.id === data?.scorecard?.id ? signed : data?.scorecard;
  if (!card) return html`<p class="muted">${t("scorecard.none")}</p>`;
  return html`
    <div class="cards">
      <${Stat} label=${t("scorecard.status")} value=${t(`scorecard.status.${card.status}`)} />
      <${Stat} label=${t("scorecard.completion")} value=${formatPercent(card.completion)} />
      <${Stat} label=${t("scorecard.score")} value=${formatNumber(card.score, { maximumFractionDigits: 1 })} />
      <${Stat} label=${t("scorecard.behindCount")} value=${formatNumber(card.behindCount)} />
    </div>
    <${Signature} card=${card} viewer=${viewer} onSigned=${setSigned} />
    <${Items} items=${card.items} />
    <${CheckIns} card=${card} canCheckIn=${can(viewer, "checkin.write")} />
  `;
}

function MyScorecard({ viewer }) {
  useTitle(t("scorecard.title"));
  return html`<div>
    <h1>${t("scorecard.title")}</h1>
    ${viewer.employee
      ? html`<${OpenCycle} render=${(cycle) => html`<${Plan} viewer=${viewer} cycle=${cycle} />`} />`
      : html`<p class="muted">${t("scorecard.noEmployee")}</p>`}
  </div>`;
}

export const page = {
  route: "/scorecard",
  title: "scorecard.title",
  nav: 20,
  requires: ["scorecard.read"],
  view: MyScorecard,
};

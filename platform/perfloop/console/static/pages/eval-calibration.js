// HR's calibration of a cycle (`calibration`): per scoring template, the share of
// each rating band among the rated people of the chosen unit's subtree against the
// template's target distribution (a chart and a table), the distribution per
// department (a chart), and moving a person to another band with a reason
// (`calibrateResult`; its errors next to the fields).
import { useAction, unplaced } from "../lib/actions.js";
import { ERROR_FIELDS, errorsAt, mutate } from "../lib/api.js";
import { ChartCanvas, PALETTE } from "../lib/charts.js";
import {
  EVALUATION_NEEDS,
  EvaluationCycle,
  EvaluationLinks,
  formatScore,
  UnitPicker,
  unitName,
  useUnits,
} from "../lib/evaluation.js";
import { formatNumber, formatPercent, pick, t } from "../lib/i18n.js";
import { html, useMemo, useState } from "../lib/preact.js";
import { ErrorBox, FieldErrors, Loading, useQuery, useTitle } from "../lib/ui.js";

const BAND_FIELDS = "band title count share min max over under";

const CALIBRATION = `query Calibration($cycle: ID!, $orgUnit: ID) {
  calibration(cycle: $cycle, orgUnit: $orgUnit) {
    groups { scoringRef rated unrated breaksTarget
      bands { ${BAND_FIELDS} people { employeeId employeeNo employeeName version revision status total calibrated } } }
  }
}`;

const MOVE = `mutation Calibrate($cycle: ID!, $employee: ID!, $rating: String!, $reason: String!,
                              $expectedVersion: Int!, $expectedRevision: Int!) {
  calibrateResult(cycle: $cycle, employee: $employee, rating: $rating, reason: $reason,
                  expectedVersion: $expectedVersion, expectedRevision: $expectedRevision) {
    result { version status revision rating multiplier } ${ERROR_FIELDS}
  }
}`;

const percent = (share) => (share == null ? null : Math.round(share * 1000) / 10);

/** The group's band shares against the target's max and min (when the template has one). */
function DistributionChart({ group, name }) {
  const config = useMemo(() => {
    const labels = group.bands.map((b) => b.band);
    const datasets = [
      {
        type: "bar",
        label: t("evaluation.calibration.share"),
        data: group.bands.map((b) => percent(b.share)),
        backgroundColor: group.bands.map((b) => (b.over || b.under ? PALETTE[3] : PALETTE[0])),
      },
    ];
    if (group.bands.some((b) => b.max != null)) {
      datasets.push({
        type: "line",
        label: t("evaluation.calibration.targetMax"),
        data: group.bands.map((b) => percent(b.max)),
        borderColor: PALETTE[1],
        backgroundColor: PALETTE[1],
        showLine: false,
        pointStyle: "line",
        pointRadius: 14,
        borderWidth: 3,
      });
    }
    if (group.bands.some((b) => b.min != null)) {
      datasets.push({
        type: "line",
        label: t("evaluation.calibration.targetMin"),
        data: group.bands.map((b) => percent(b.min)),
        borderColor: PALETTE[2],
        backgroundColor: PALETTE[2],
        showLine: false,
        pointStyle: "line",
        pointRadius: 14,
        borderWidth: 3,
      });
    }
    return {
      type: "bar",
      data: { labels, datasets },
      options: { scales: { y: { beginAtZero: true, title: { display: true, text: "%" } } } },
    };
  }, [group, t("evaluation.calibration.share")]);
  return html`<${ChartCanvas} name=${name} config=${config} label=${t("evaluation.calibration.chart")} height=${260} />`;
}

function MoveForm({ cycle, person, bands, onMoved }) {
  const [rating, setRating] = useState("");
  const [reason, setReason] = useState("");
  const action = useAction(
    () =>
      mutate(
        MOVE,
        {
          cycle,
          employee: person.employeeId,
          rating,
          reason,
          expectedVersion: person.version,
          expectedRevision: person.revision,
        },
        "calibrateResult",
      ),
    onMoved,
  );
  const error = action.error;
  const other = unplaced(error, ["rating", "reason"]);
  return html`<form class="move" onSubmit=${action.submit} data-test="move-form">
    <label>${t("evaluation.calibration.to")}
      <select value=${rating} onChange=${(e) => setRating(e.target.value)} data-field="rating">
        <option value="">–</option>
        ${bands.map((b) => html`<option value=${b.band}>${b.band} · ${pick(b.title)}</option>`)}
      </select>
    </label>
    <div data-errors="rating"><${FieldErrors} errors=${errorsAt(error, ["rating"])} /></div>
    <label>${t("evaluation.calibration.reason")}
      <input type="text" value=${reason} onInput=${(e) => setReason(e.target.value)} data-field="reason" />
    </label>
    <div data-errors="reason"><${FieldErrors} errors=${errorsAt(error, ["reason"])} /></div>
    ${other.length ? html`<${ErrorBox} error=${{ errors: other }} />` : null}
    <button class="primary" disabled=${action.busy}>${t("evaluation.calibration.move")}</button>
  </form>`;
}

function BandTable({ cycle, group, onMoved }) {
  const [moving, setMoving] = useState(null);
  return html`<table data-test="calibration-bands">
    <thead><tr>
      <th>${t("evaluation.calibration.band")}</th><th class="num">${t("evaluation.calibration.count")}</th>
      <th class="num">${t("evaluation.calibration.shareShort")}</th><th>${t("evaluation.calibration.target")}</th>
      <th>${t("evaluation.calibration.people")}</th>
    </tr></thead>
    <tbody>${group.bands.map(
      (b) => html`<tr data-band=${b.band}>
        <td><strong>${b.band}</strong> ${pick(b.title)}</td>
        <td class="num">${formatNumber(b.count)}</td>
        <td class="num">${formatPercent(b.share)}
          ${b.over ? html` <span class="badge warn">${t("evaluation.calibration.over")}</span>` : null}
          ${b.under ? html` <span class="badge warn">${t("evaluation.calibration.under")}</span>` : null}</td>
        <td>${b.min == null && b.max == null ? "–" : `${b.min == null ? "" : `≥ ${formatPercent(b.min)}`} ${b.max == null ? "" : `≤ ${formatPercent(b.max)}`}`}</td>
        <td>
          <ul class="people">${b.people.map(
            (p) => html`<li data-employee=${p.employeeId}>
              ${p.employeeName} <span class="muted">${formatScore(p.total)} · v${p.version}</span>
              ${p.calibrated ? html` <span class="badge">${t("evaluation.calibration.calibrated")}</span>` : null}
              <button class="link" onClick=${() => setMoving(moving === p.employeeId ? null : p.employeeId)}
                data-test="move">${t("evaluation.calibration.move")}</button>
              ${moving === p.employeeId
                ? html`<${MoveForm} cycle=${cycle} person=${p} bands=${group.bands.filter((o) => o.band !== b.band)}
                    onMoved=${() => {
                      setMoving(null);
                      onMoved();
                    }} />`
                : null}
            </li>`,
          )}</ul>
          ${b.count > b.people.length ? html`<span class="muted">${t("evaluation.calibration.more", { count: b.count - b.people.length })}</span>` : null}
        </td>
      </tr>`,
    )}</tbody>
  </table>`;
}

/** The share of each band per department (one calibration read per department). */
function ByDepartment({ cycle, departments }) {
  const query = useMemo(
    () =>
      departments.length
        ? `query ByDepartment($cycle: ID!) { ${departments
            .map((d) => `u${d.id}: calibration(cycle: $cycle, orgUnit: ${JSON.stringify(d.id)}) { groups { bands { band count share } } }`)
            .join(" ")} }`
        : null,
    [departments.map((d) => d.id).join(",")],
  );
  const { data, error, loading } = useQuery(query, { cycle }, [cycle]);
  const config = useMemo(() => {
    if (!data) return null;
    const bands = [];
    const shares = new Map();
    departments.forEach((d) => {
      const counts = new Map();
      let rated = 0;
      (data[`u${d.id}`]?.groups ?? []).forEach((g) =>
        g.bands.forEach((b) => {
          if (!bands.includes(b.band)) bands.push(b.band);
          counts.set(b.band, (counts.get(b.band) ?? 0) + b.count);
          rated += b.count;
        }),
      );
      shares.set(d.id, { counts, rated });
    });
    return {
      type: "bar",
      data: {
        labels: departments.map(unitName),
        datasets: bands.map((band, i) => ({
          label: band,
          data: departments.map((d) => {
            const { counts, rated } = shares.get(d.id);
            return rated ? Math.round(((counts.get(band) ?? 0) / rated) * 1000) / 10 : 0;
          }),
          backgroundColor: PALETTE[i % PALETTE.length],
        })),
      },
      options: { scales: { x: { stacked: true }, y: { stacked: true, max: 100, title: { display: true, text: "%" } } } },
    };
  }, [data]);
  if (error) return html`<${ErrorBox} error=${error} />`;
  if (loading || !config) return html`<${Loading} />`;
  return html`<${ChartCanvas} name="calibration-units" config=${config} label=${t("evaluation.calibration.byUnit")} />`;
}

function Calibration({ viewer, cycle }) {
  const { units } = useUnits();
  const [orgUnit, setOrgUnit] = useState(null);
  const [round, setRound] = useState(0);
  const { data, error, loading } = useQuery(CALIBRATION, { cycle: cycle.id, orgUnit }, [cycle.id, orgUnit, round]);
  const departments = units.filter((u) => (orgUnit ? u.parent?.id === orgUnit : u.kind === "department"));
  let body;
  if (error) body = html`<${ErrorBox} error=${error} />`;
  else if (loading || !data) body = html`<${Loading} />`;
  else if (!data.calibration?.groups.length) body = html`<p class="muted">${t("evaluation.calibration.none")}</p>`;
  else {
    body = data.calibration.groups.map(
      (group, i) => html`<section class="card" data-group=${group.scoringRef}>
        <h2>${group.scoringRef}</h2>
        <div class="row">
          <span class="badge">${t("evaluation.calibration.rated", { count: group.rated })}</span>
          ${group.unrated ? html`<span class="badge warn">${t("evaluation.calibration.unrated", { count: group.unrated })}</span>` : null}
          ${group.bands.every((b) => b.min == null && b.max == null)
            ? html`<span class="muted">${t("evaluation.calibration.noTarget")}</span>`
            : group.breaksTarget
              ? html`<span class="badge warn" data-test="breaks-target">${t("evaluation.calibration.breaksTarget")}</span>`
              : html`<span class="badge good">${t("evaluation.calibration.fitsTarget")}</span>`}
        </div>
        <${DistributionChart} group=${group} name=${i === 0 ? "calibration" : `calibration-${i}`} />
        <${BandTable} cycle=${cycle.id} group=${group} onMoved=${() => setRound((r) => r + 1)} />
      </section>`,
    );
  }
  return html`
    <p class="row"><${UnitPicker} units=${units} value=${orgUnit} onChange=${setOrgUnit} /></p>
    ${body}
    ${departments.length > 1
      ? html`<section class="card"><h2>${t("evaluation.calibration.byUnit")}</h2>
          <${ByDepartment} cycle=${cycle.id} departments=${departments} key=${`${orgUnit}-${round}`} /></section>`
      : null}
    <${EvaluationLinks} viewer=${viewer} cycle=${cycle.id} here="calibration" />`;
}

function CalibrationPage({ viewer, params }) {
  useTitle(t("evaluation.calibration.title"));
  return html`<div>
    <h1>${t("evaluation.calibration.title")}</h1>
    <${EvaluationCycle} base="/evaluation/calibration" cycle=${params.cycle}
      render=${(cycle) => html`<${Calibration} viewer=${viewer} cycle=${cycle} key=${cycle.id} />`} />
  </div>`;
}

export const page = {
  route: "/evaluation/calibration",
  title: "evaluation.calibration.title",
  nav: 71,
  requires: EVALUATION_NEEDS.calibration,
  view: CalibrationPage,
};

export const cyclePage = { ...page, route: "/evaluation/calibration/:cycle", nav: undefined };

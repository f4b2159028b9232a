// HR's scoring of a cycle: start the scoring run (`startScoringRun`) and follow its
// progress live (lib/jobs.js: the jobProgress subscription, else polling), the
// results it wrote (`results`: drafts and published) and their publication
// (`publishResults`, its refusals next to the button).
import { ERROR_FIELDS, mutate } from "../lib/api.js";
import { EVALUATION_NEEDS, EvaluationCycle, EvaluationLinks, formatScore, UnitPicker, useUnits } from "../lib/evaluation.js";
import { formatNumber, formatPercent, t } from "../lib/i18n.js";
import { followJob, jobEnded, JOB_FIELDS } from "../lib/jobs.js";
import { html, useEffect, useState } from "../lib/preact.js";
import { can } from "../lib/session.js";
import { ErrorBox, FieldErrors, Loading, useQuery, useTitle } from "../lib/ui.js";

const START = `mutation StartScoring($cycle: ID!, $orgUnit: ID) {
  startScoringRun(cycle: $cycle, orgUnit: $orgUnit) { created job { ${JOB_FIELDS} } ${ERROR_FIELDS} }
}`;

const PUBLISH = `mutation Publish($cycle: ID!, $orgUnit: ID) {
  publishResults(cycle: $cycle, orgUnit: $orgUnit) { published ${ERROR_FIELDS} }
}`;

const RESULTS = `query Results($cycle: ID!, $orgUnit: ID, $status: ResultStatus, $after: String) {
  results(cycle: $cycle, orgUnit: $orgUnit, status: $status, first: 50, after: $after) {
    totalCount pageInfo { hasNextPage endCursor }
    edges { node { id employeeId employeeNo employeeName version status kpiPart reviewPart total rating multiplier computedAt } }
  }
}`;

const PAGE_SIZE_LISTED = 10;

function Listed({ title, rows }) {
  if (!rows?.length) return null;
  return html`<details><summary>${title} (${rows.length})</summary>
    <ul>${rows.slice(0, PAGE_SIZE_LISTED * 10).map((r) => html`<li>${r.employee ?? r.employeeName ?? ""} ${r.reason ? html`<span class="muted">— ${r.reason}</span>` : null}
      ${r.from ? html`<span class="muted">${r.from} → ${r.to}</span>` : null}</li>`)}</ul>
  </details>`;
}

/** The run's progress: a bar of parts done, the status and the counts so far. */
export function JobProgress({ job, via }) {
  const share = job.total ? job.done / job.total : 0;
  const result = job.result ?? {};
  const counts = ["scored", "unchanged", "unsigned", "failed", "calibrationsKept", "recalibrate"];
  return html`<div class="card" data-test="job-progress" data-status=${job.status} data-via=${via}>
    <div class="row">
      <strong>${t("evaluation.scoring.job", { id: job.id })}</strong>
      <span class=${`badge ${job.status === "SUCCEEDED" ? "good" : job.status === "FAILED" ? "warn" : ""}`}
        data-test="job-status">${t(`evaluation.jobStatus.${job.status}`)}</span>
      <span class="muted">${t(via === "socket" ? "evaluation.scoring.live" : "evaluation.scoring.polling")}</span>
    </div>
    <div class="row">
      <div class="bar wide" role="progressbar" aria-valuemin="0" aria-valuemax=${job.total ?? 0} aria-valuenow=${job.done}>
        <span style=${`width:${share * 100}%`}></span>
      </div>
      <span data-test="job-share">${formatPercent(job.total ? share : job.status === "SUCCEEDED" ? 1 : 0)}</span>
      <span class="muted" data-test="job-parts">${t("evaluation.scoring.parts", { done: job.done, total: job.total ?? "–" })}</span>
    </div>
    <div class="row">
      ${counts
        .filter((k) => result[k] != null)
        .map((k) => html`<span class=${`badge ${k === "failed" && result[k] ? "warn" : ""}`} data-count=${k}>
          ${t(`evaluation.scoring.count.${k}`)}: ${formatNumber(result[k])}</span>`)}
    </div>
    ${job.error ? html`<${ErrorBox} error=${{ errors: [job.error] }} />` : null}
    <${Listed} title=${t("evaluation.scoring.failedPlans")} rows=${result.failedPlans} />
    <${Listed} title=${t("evaluation.scoring.unsignedPlans")} rows=${result.unsignedPlans} />
    <${Listed} title=${t("evaluation.scoring.recalibratePlans")} rows=${result.recalibratePlans} />
  </div>`;
}

function ResultRows({ cycle, orgUnit, status, round }) {
  const [after, setAfter] = useState(null);
  const [pages, setPages] = useState([]);
  const { data, error, loading } = useQuery(RESULTS, { cycle, orgUnit, status: status || null, after }, [
    cycle,
    orgUnit,
    status,
    after,
    round,
  ]);
  useEffect(() => {
    setAfter(null);
    setPages([]);
  }, [cycle, orgUnit, status, round]);
  useEffect(() => {
    if (data) setPages((p) => (after ? [...p, ...data.results.edges] : data.results.edges));
  }, [data]);
  if (error) return html`<${ErrorBox} error=${error} />`;
  if (!data && loading) return html`<${Loading} />`;
  const info = data?.results;
  const rows = pages.map((e) => e.node);
  return html`<p class="muted" data-test="results-count">${t("evaluation.results.count", { count: info?.totalCount ?? 0 })}</p>
    ${rows.length
      ? html`<table data-test="results">
          <thead><tr>
            <th>${t("evaluation.results.no")}</th><th>${t("evaluation.results.name")}</th>
            <th class="num">${t("evaluation.results.version")}</th><th>${t("evaluation.results.status")}</th>
            <th class="num">${t("evaluation.results.kpi")}</th><th class="num">${t("evaluation.results.review")}</th>
            <th class="num">${t("evaluation.results.total")}</th><th>${t("evaluation.results.rating")}</th>
            <th class="num">${t("evaluation.results.multiplier")}</th>
          </tr></thead>
          <tbody>${rows.map(
            (r) => html`<tr data-employee=${r.employeeId}>
              <td>${r.employeeNo}</td><td>${r.employeeName}</td><td class="num">${r.version}</td>
              <td><span class=${`badge ${r.status === "PUBLISHED" ? "good" : "warn"}`}>${t(`evaluation.resultStatus.${r.status}`)}</span></td>
              <td class="num">${formatScore(r.kpiPart)}</td><td class="num">${formatScore(r.reviewPart)}</td>
              <td class="num">${formatScore(r.total)}</td><td><strong>${r.rating ?? "–"}</strong></td>
              <td class="num">${formatNumber(r.multiplier)}</td>
            </tr>`,
          )}</tbody>
        </table>`
      : html`<p class="muted">${t("common.none")}</p>`}
    ${info?.pageInfo.hasNextPage
      ? html`<p><button onClick=${() => setAfter(info.pageInfo.endCursor)} disabled=${loading}>${t("common.next")}</button></p>`
      : null}`;
}

function Scoring({ viewer, cycle }) {
  const { units } = useUnits();
  const [orgUnit, setOrgUnit] = useState(null);
  const [status, setStatus] = useState("");
  // the cycle's last run started here, followed again when HR comes back to the page
  const remembered = `perfloop.scoring.${cycle.id}`;
  const [job, setJob] = useState(() => {
    const id = sessionStorage.getItem(remembered);
    return id ? { id, status: "QUEUED", done: 0, total: null, result: null } : null;
  });
  const [via, setVia] = useState(null);
  const [startError, setStartError] = useState(null);
  const [publishError, setPublishError] = useState(null);
  const [published, setPublished] = useState(null);
  const [busy, setBusy] = useState(false);
  const [round, setRound] = useState(0);

  useEffect(() => {
    if (!job?.id || jobEnded(job)) return undefined;
    return followJob(
      job.id,
      (state, how) => {
        setVia(how);
        if (state) setJob(state);
        else {
          sessionStorage.removeItem(remembered);
          setJob(null);
        }
        if (jobEnded(state)) setRound((r) => r + 1);
      },
      { onError: setStartError },
    );
  }, [job?.id]);

  const start = async () => {
    setBusy(true);
    setStartError(null);
    try {
      const payload = await mutate(START, { cycle: cycle.id, orgUnit }, "startScoringRun");
      setVia(null);
      sessionStorage.setItem(remembered, payload.job.id);
      setJob(payload.job);
    } catch (error) {
      setStartError(error);
    } finally {
      setBusy(false);
    }
  };
  const publish = async () => {
    setBusy(true);
    setPublishError(null);
    setPublished(null);
    try {
      const payload = await mutate(PUBLISH, { cycle: cycle.id, orgUnit }, "publishResults");
      setPublished(payload.published);
      setRound((r) => r + 1);
    } catch (error) {
      setPublishError(error);
    } finally {
      setBusy(false);
    }
  };
  const running = job && !jobEnded(job);
  return html`
    <p class="row"><${UnitPicker} units=${units} value=${orgUnit} onChange=${setOrgUnit} /></p>
    <section class="card">
      <h2>${t("evaluation.scoring.run")}</h2>
      <p class="muted">${t("evaluation.scoring.hint")}</p>
      <div class="row">
        <button class="primary" onClick=${start} disabled=${busy || running} data-test="start-scoring">${t("evaluation.scoring.start")}</button>
      </div>
      <${FieldErrors} errors=${startError?.errors} />
      ${job ? html`<${JobProgress} job=${job} via=${via} />` : null}
    </section>
    <section class="card">
      <h2>${t("evaluation.results.title")}</h2>
      <div class="row">
        <label class="row">${t("evaluation.results.status")}
          <select value=${status} onChange=${(e) => setStatus(e.target.value)} data-test="results-status">
            <option value="">${t("evaluation.results.all")}</option>
            <option value="DRAFT">${t("evaluation.resultStatus.DRAFT")}</option>
            <option value="PUBLISHED">${t("evaluation.resultStatus.PUBLISHED")}</option>
          </select>
        </label>
        <span class="spacer"></span>
        <button onClick=${publish} disabled=${busy || running} data-test="publish">${t("evaluation.results.publish")}</button>
      </div>
      <div data-test="publish-errors"><${FieldErrors} errors=${publishError?.errors} /></div>
      ${published != null
        ? html`<p class="badge good" data-test="published">${t("evaluation.results.published", { count: published })}</p>`
        : null}
      <${ResultRows} cycle=${cycle.id} orgUnit=${orgUnit} status=${status} round=${round} />
    </section>
    <${EvaluationLinks} viewer=${viewer} cycle=${cycle.id} here="scoring" />`;
}

function ScoringPage({ viewer, params }) {
  useTitle(t("evaluation.scoring.title"));
  return html`<div>
    <h1>${t("evaluation.scoring.title")}</h1>
    <${EvaluationCycle} base="/evaluation/scoring" cycle=${params.cycle}
      render=${(cycle) => html`<${Scoring} viewer=${viewer} cycle=${cycle} key=${cycle.id} />`} />
  </div>`;
}

export const page = {
  route: "/evaluation/scoring",
  title: "evaluation.scoring.title",
  nav: 70,
  requires: EVALUATION_NEEDS.scoring,
  view: ScoringPage,
};

export const cyclePage = { ...page, route: "/evaluation/scoring/:cycle", nav: undefined };

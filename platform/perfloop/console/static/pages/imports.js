// Imports (HR): an org chart (importOrgChart, org.manage) and a dataset's file
// (importDatasetFile, dataset.ingest), each .xlsx or .csv uploaded as a GraphQL
// multipart request (lib/upload.js) with its progress. "Check" sends the file with
// dryRun (nothing is stored) and shows what the import would do and every row error;
// "Import" sends the same file for real once the check found no problem.
import { ERROR_FIELDS } from "../lib/api.js";
import { formatNumber, language, pick, t } from "../lib/i18n.js";
import { html, useState } from "../lib/preact.js";
import { can } from "../lib/session.js";
import { ErrorBox, Stat, useQuery, useTitle } from "../lib/ui.js";
import { uploadMutation } from "../lib/upload.js";

const ROW_ERRORS = "rowErrors { row column letter message messageZh }";
const USER_ERRORS = ERROR_FIELDS;

const ORG_CHART = `mutation ImportOrgChart($file: Upload!, $sheet: String, $encoding: String, $dryRun: Boolean!) {
  importOrgChart(file: $file, sheet: $sheet, encoding: $encoding, dryRun: $dryRun) {
    dryRun rows unitsCreated unitsUpdated positionsCreated employeesCreated employeesUpdated sheet encoding
    ${ROW_ERRORS} ${USER_ERRORS}
  }
}`;

const DATASET_FILE = `mutation ImportDatasetFile($dataset: String!, $file: Upload!, $sheet: String, $encoding: String, $dryRun: Boolean!) {
  importDatasetFile(dataset: $dataset, file: $file, sheet: $sheet, encoding: $encoding, dryRun: $dryRun) {
    dataset dryRun ok batches committed replayed rejected received inserted skipped invalidRows
    ${ROW_ERRORS} ${USER_ERRORS}
  }
}`;

const DATASETS = `query ImportDatasets {
  templates(kind: "dataset", first: 100) { edges { node { key version ref title { zhCN en } } } }
}`;

const KINDS = {
  org: {
    mutation: ORG_CHART,
    field: "importOrgChart",
    counts: ["rows", "unitsCreated", "unitsUpdated", "positionsCreated", "employeesCreated", "employeesUpdated"],
    permission: "org.manage",
  },
  dataset: {
    mutation: DATASET_FILE,
    field: "importDatasetFile",
    counts: ["received", "inserted", "skipped", "invalidRows", "batches", "committed", "replayed", "rejected"],
    permission: "dataset.ingest",
  },
};

function RowErrors({ rows }) {
  if (!rows.length) return null;
  const zh = language() === "zh-CN";
  return html`<table data-test="row-errors">
    <thead><tr><th class="num">${t("imports.row")}</th><th>${t("imports.column")}</th><th>${t("imports.message")}</th></tr></thead>
    <tbody>${rows.map(
      (e) => html`<tr data-row=${e.row}>
        <td class="num">${e.row}</td>
        <td>${e.letter ? `${e.letter} ` : ""}${e.column ? html`<span class="muted">${e.column}</span>` : "–"}</td>
        <td>${zh && e.messageZh ? e.messageZh : e.message}</td>
      </tr>`,
    )}</tbody>
  </table>`;
}

// dryRun: what was asked (a refused payload does not say it)
function Outcome({ kind, payload, dryRun }) {
  const failed = payload.errors.length > 0 || payload.rowErrors.length > 0 || payload.ok === false;
  return html`<div data-test="outcome" data-dry-run=${String(dryRun)}>
    <p>
      <span class=${`badge ${failed ? "warn" : "good"}`} data-test="verdict">
        ${t(dryRun ? (failed ? "imports.checkFailed" : "imports.checkPassed") : failed ? "imports.importFailed" : "imports.imported")}
      </span>
      ${payload.sheet ? html` <span class="muted">${t("imports.sheetRead", { sheet: payload.sheet })}</span>` : null}
      ${payload.encoding ? html` <span class="muted">${t("imports.encodingRead", { encoding: payload.encoding })}</span>` : null}
    </p>
    <div class="cards">
      ${KINDS[kind].counts.map(
        (name) => html`<div data-count=${name}><${Stat} label=${t(`imports.count.${name}`)} value=${formatNumber(payload[name])} /></div>`,
      )}
    </div>
    <${ErrorBox} error=${payload.errors.length ? { errors: payload.errors } : null} />
    <${RowErrors} rows=${payload.rowErrors} />
  </div>`;
}

function Upload({ kind }) {
  const [file, setFile] = useState(null);
  const [sheet, setSheet] = useState("");
  const [encoding, setEncoding] = useState("");
  const [dataset, setDataset] = useState("");
  const [state, setState] = useState({ busy: false, progress: null, payload: null, error: null, checked: null });
  const datasets = useQuery(kind === "dataset" ? DATASETS : null);
  const options = (datasets.data?.templates.edges ?? []).map((e) => e.node);
  const chosenDataset = dataset || options[0]?.ref || "";

  const send = async (dryRun) => {
    setState((s) => ({ ...s, busy: true, progress: 0, error: null, payload: null }));
    const variables = { sheet: sheet || null, encoding: encoding || null, dryRun };
    if (kind === "dataset") variables.dataset = chosenDataset;
    try {
      const payload = await uploadMutation(KINDS[kind].mutation, variables, "file", file, KINDS[kind].field, (share) =>
        setState((s) => ({ ...s, progress: share })),
      );
      const clean = !payload.errors.length && !payload.rowErrors.length && payload.ok !== false;
      setState({ busy: false, progress: null, payload, dryRun, error: null, checked: dryRun && clean ? file : null });
    } catch (error) {
      setState({ busy: false, progress: null, payload: null, error, checked: null });
    }
  };

  const choose = (event) => {
    setFile(event.target.files[0] ?? null);
    setState({ busy: false, progress: null, payload: null, error: null, checked: null });
  };
  return html`<div data-import=${kind}>
    ${kind === "dataset"
      ? html`<p><label class="row">${t("imports.dataset")}
          <select value=${chosenDataset} onChange=${(e) => { setDataset(e.target.value); setState((s) => ({ ...s, checked: null })); }} data-test="dataset">
            ${options.map((d) => html`<option value=${d.ref}>${pick(d.title)} (${d.ref})</option>`)}
          </select></label></p>`
      : null}
    <p class="row">
      <input type="file" accept=".xlsx,.csv" onChange=${choose} data-test="file" />
      <label class="row">${t("imports.sheet")}<input type="text" size="10" value=${sheet} onInput=${(e) => setSheet(e.target.value)} placeholder=${t("imports.auto")} /></label>
      <label class="row">${t("imports.encoding")}<input type="text" size="8" value=${encoding} onInput=${(e) => setEncoding(e.target.value)} placeholder=${t("imports.auto")} /></label>
    </p>
    <p class="muted">${t(`imports.hint.${kind}`)}</p>
    <p class="row">
      <button disabled=${!file || state.busy} onClick=${() => send(true)} data-test="check">${t("imports.check")}</button>
      <button class="primary" disabled=${!file || state.busy || state.checked !== file} onClick=${() => send(false)} data-test="import">${t("imports.import")}</button>
      ${state.busy
        ? html`<span class="row" role="status" data-test="progress">
            <progress max="1" value=${state.progress != null && state.progress < 1 ? state.progress : undefined}></progress>
            ${state.progress != null && state.progress < 1 ? t("imports.uploading", { percent: Math.round(state.progress * 100) }) : t("imports.processing")}
          </span>`
        : null}
    </p>
    <${ErrorBox} error=${state.error} />
    ${state.payload ? html`<${Outcome} kind=${kind} payload=${state.payload} dryRun=${state.dryRun} />` : null}
  </div>`;
}

function Imports({ viewer }) {
  useTitle(t("imports.title"));
  const kinds = Object.keys(KINDS).filter((kind) => can(viewer, KINDS[kind].permission));
  const [kind, setKind] = useState(kinds[0]);
  return html`<div>
    <h1>${t("imports.title")}</h1>
    <p class="row" role="tablist">
      ${kinds.map(
        (k) => html`<button role="tab" class=${k === kind ? "primary" : ""} aria-selected=${k === kind} onClick=${() => setKind(k)} data-tab=${k}>${t(`imports.kind.${k}`)}</button>`,
      )}
    </p>
    <section class="card"><${Upload} kind=${kind} key=${kind} /></section>
  </div>`;
}

export const page = {
  route: "/imports",
  title: "imports.title",
  nav: 80,
  requiresAny: ["org.manage", "dataset.ingest"],
  view: Imports,
};

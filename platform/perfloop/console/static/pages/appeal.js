// File an appeal on my published result of a cycle (fileAppeal): the appeal form
// is the cycle template's (its `appeals.form`, else the self form of its appeal
// stage), rendered from its JSON Schema like a review form; the API decides whether
// the window is open and says so at `cycle`.
import { ERROR_FIELDS, mutate } from "../lib/api.js";
import { pick, t } from "../lib/i18n.js";
import { JsonForm, useFormTemplate } from "../lib/jsonform.js";
import { html, useRef, useState } from "../lib/preact.js";
import { navigate } from "../lib/router.js";
import { ErrorBox, Loading, useQuery, useTitle } from "../lib/ui.js";

const CYCLE = `query AppealCycle($cycle: ID!) {
  cycle(id: $cycle) { id period status templateKey templateVersion }
}`;
const CYCLE_TEMPLATE = `query CycleTemplate($key: String!, $version: Int) { template(key: $key, version: $version) { document } }`;

const FILE = `mutation File($cycle: ID!, $answers: JSONObject!) {
  fileAppeal(cycle: $cycle, answers: $answers) { appeal { id status } ${ERROR_FIELDS} }
}`;

/** The appeal form's ref a cycle template names. */
function appealForm(document) {
  if (document?.appeals?.form) return document.appeals.form;
  const stage = (document?.stages ?? []).find((s) => s.phase === "appeal");
  return (stage?.forms ?? []).find((f) => f.filledBy === "self")?.form ?? null;
}

function Filing({ cycle, formRef }) {
  const { form, error, loading } = useFormTemplate(formRef);
  const editor = useRef(null);
  const [state, setState] = useState({ busy: false, error: null });
  if (error) return html`<${ErrorBox} error=${error} />`;
  if (loading || !form) return html`<${Loading} />`;
  const file = async () => {
    setState({ busy: true, error: null });
    try {
      await mutate(FILE, { cycle: cycle.id, answers: editor.current.getValue() }, "fileAppeal");
      navigate("/appeals");
    } catch (err) {
      setState({ busy: false, error: err });
    }
  };
  const closed = state.error?.errors?.some((e) => e.detail === "appeal.window");
  return html`<div>
    <p class="muted">${pick(form.description)}</p>
    ${closed ? html`<p class="error" data-test="appeal-window">${t("appeal.windowClosed")}</p>` : null}
    <${JsonForm} form=${form} value=${{}} error=${state.error} editorRef=${editor} />
    <button class="primary" disabled=${state.busy} onClick=${file} data-test="file-appeal">${t("appeal.submit")}</button>
  </div>`;
}

function FileAppeal({ params }) {
  useTitle(t("appeal.file"));
  const found = useQuery(CYCLE, { cycle: params.cycle }, [params.cycle]);
  const cycle = found.data?.cycle;
  const template = useQuery(cycle ? CYCLE_TEMPLATE : null, { key: cycle?.templateKey, version: cycle?.templateVersion }, [cycle?.id]);
  const error = found.error ?? template.error;
  if (error) return html`<${ErrorBox} error=${error} />`;
  if (found.loading || template.loading || (cycle && !template.data)) return html`<${Loading} />`;
  const formRef = appealForm(template.data?.template?.document);
  return html`<div>
    <p><a href="#/result">← ${t("result.title")}</a></p>
    <h1>${t("appeal.file")} · ${cycle?.period ?? params.cycle}</h1>
    ${formRef ? html`<${Filing} cycle=${cycle} formRef=${formRef} />` : html`<p class="muted">${t("appeal.noForm")}</p>`}
  </div>`;
}

export const page = {
  route: "/appeal/:cycle",
  requires: ["appeal.file"],
  view: FileAppeal,
};

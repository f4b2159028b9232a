// Edit a template's JSON and publish it as a new version (…/edit), or start a tenant
// template from one (…/copy: the same document under a new key). "Validate" asks
// validateTemplate, "Publish" publishTemplate; each problem is listed with its JSON
// pointer and marked at its line in the editor (a click jumps there).
import { ApiError, ERROR_FIELDS, gql, mutate } from "../lib/api.js";
import { lineOfPointer, lineRange, pointerLines } from "../lib/jsonlines.js";
import { pick, t } from "../lib/i18n.js";
import { html, useEffect, useMemo, useRef, useState } from "../lib/preact.js";
import { href } from "../lib/router.js";
import { ErrorBox, Loading, useQuery, useTitle } from "../lib/ui.js";

const TEMPLATE = `query Template($key: String!, $version: Int) {
  template(key: $key, version: $version) { key version kind builtIn ref title { zhCN en } document }
}`;
const PROBLEM = "pointer code message";
const VALIDATE = `query Validate($document: JSON!) {
  validateTemplate(document: $document) { valid problems { ${PROBLEM} } warnings { ${PROBLEM} } }
}`;
const PUBLISH = `mutation Publish($document: JSON!) {
  publishTemplate(document: $document) {
    created template { key version ref } warnings { ${PROBLEM} } ${ERROR_FIELDS}
  }
}`;

/** The template problem codes (docs/templates.md) that have a message of their own. */
const CODES = new Set([
  "invalid-json", "schema", "unknown-kind", "unknown-reference", "kind-mismatch", "not-bundled",
  "duplicate-key", "unknown-field", "field-type", "invalid-json-schema", "i18n", "formula",
  "circular-reference", "weights", "invalid-parameters", "relation", "stage-order", "period", "scoring",
]);

/** A publish error (UserError, path = the pointer's parts) as a problem {pointer, code, message}. */
function fromUserError(error) {
  const pointer = error.path.length ? `/${error.path.join("/")}` : "";
  const prefix = `${pointer || "/"}: `;
  const message = error.message.startsWith(prefix) ? error.message.slice(prefix.length) : error.message;
  return { pointer, code: error.detail ?? error.code, message };
}

/** The document in text, or a problem saying where it is not JSON. */
function parse(text) {
  try {
    return { document: JSON.parse(text), problems: [] };
  } catch (exc) {
    const at = /position (\d+)/.exec(exc.message);
    const line = at ? text.slice(0, Number(at[1])).split("\n").length : 1;
    return { document: null, problems: [{ pointer: "", code: "invalid-json", message: exc.message, line }] };
  }
}

function Problems({ problems, warnings, onJump }) {
  const row = (p, kind) => html`<li class=${kind} data-pointer=${p.pointer} data-line=${p.line}>
    <button class="link" onClick=${() => onJump(p.line)}>${t("tedit.line", { line: p.line })}</button>
    <code class="path">${p.pointer || "/"}</code>
    <span class="badge">${p.code}</span>
    ${CODES.has(p.code) ? html`<span class="muted"> ${t(`tedit.code.${p.code}`)}</span>` : null}
    <div>${p.message}</div>
  </li>`;
  return html`<ul class="problems" data-test="problems">
    ${problems.map((p) => row(p, "bad"))}${warnings.map((p) => row(p, "warn"))}
  </ul>`;
}

function Editor({ text, onText, marked, jump }) {
  const area = useRef(null);
  const gutter = useRef(null);
  const count = text.split("\n").length;
  useEffect(() => {
    const box = area.current;
    if (!jump || !box) return;
    const [start, end] = lineRange(box.value, jump.line);
    box.focus();
    box.setSelectionRange(start, end);
    const height = Number.parseFloat(getComputedStyle(box).lineHeight) || 20;
    box.scrollTop = Math.max(0, (jump.line - 4) * height);
  }, [jump]);
  const sync = () => {
    if (gutter.current) gutter.current.scrollTop = area.current.scrollTop;
  };
  return html`<div class="code-editor">
    <div class="gutter" ref=${gutter} aria-hidden="true">
      ${Array.from({ length: count }, (_, i) => html`<div class=${marked.has(i + 1) ? "bad" : ""}>${i + 1}</div>`)}
    </div>
    <textarea ref=${area} spellcheck="false" wrap="off" value=${text} data-test="editor"
      onInput=${(e) => onText(e.target.value)} onScroll=${sync}></textarea>
  </div>`;
}

function EditForm({ template, copy }) {
  const initial = useMemo(() => {
    const doc = { ...template.document };
    if (copy) Object.assign(doc, { key: `${template.key}-custom`, version: 1 });
    return JSON.stringify(doc, null, 2);
  }, [template, copy]);
  const [text, setText] = useState(initial);
  const [state, setState] = useState({ busy: false, problems: null, warnings: [], error: null, done: null });
  const [jump, setJump] = useState(null);
  const lines = useMemo(() => pointerLines(text), [text]);
  const placed = (list) => list.map((p) => ({ ...p, line: p.line ?? lineOfPointer(lines, p.pointer) }));

  const run = async (action) => {
    const parsed = parse(text);
    if (!parsed.document) {
      setState({ busy: false, problems: parsed.problems, warnings: [], error: null, done: null });
      setJump({ line: parsed.problems[0].line });
      return;
    }
    setState((s) => ({ ...s, busy: true, error: null, done: null }));
    try {
      const result = await action(parsed.document);
      setState({ busy: false, error: null, ...result });
    } catch (error) {
      const payload = error instanceof ApiError && error.errors.every((e) => e.source === "payload");
      setState({
        busy: false,
        problems: payload ? error.errors.map(fromUserError) : null,
        warnings: [],
        error: payload ? null : error,
        done: null,
      });
    }
  };
  const validate = () =>
    run(async (document) => {
      const { validateTemplate: v } = await gql(VALIDATE, { document });
      return { problems: v.problems, warnings: v.warnings, done: v.valid ? "valid" : null };
    });
  const publish = () =>
    run(async (document) => {
      const p = await mutate(PUBLISH, { document }, "publishTemplate");
      return { problems: [], warnings: p.warnings, done: p.created ? "published" : "unchanged", ref: p.template.ref, template: p.template };
    });

  const problems = placed(state.problems ?? []);
  const warnings = placed(state.warnings ?? []);
  const marked = new Set(problems.map((p) => p.line));
  return html`<div>
    <div class="row">
      <button disabled=${state.busy} onClick=${validate} data-test="validate">${t("tedit.validate")}</button>
      <button class="primary" disabled=${state.busy} onClick=${publish} data-test="publish">${t("tedit.publish")}</button>
      ${state.done === "valid" ? html`<span class="badge good" data-test="valid">${t("tedit.valid")}</span>` : null}
      ${state.done === "unchanged" ? html`<span class="badge">${t("tedit.unchanged")}</span>` : null}
      ${state.done === "published"
        ? html`<span class="badge good" data-test="published">${t("tedit.published", { ref: state.ref })}</span>
            <a href=${href(`/templates/${state.template.key}/${state.template.version}`)}>${t("tedit.open")}</a>`
        : null}
    </div>
    <${ErrorBox} error=${state.error} />
    ${problems.length ? html`<p class="error">${t("tedit.problems", { count: problems.length })}</p>` : null}
    <${Problems} problems=${problems} warnings=${warnings} onJump=${(line) => setJump({ line })} />
    <${Editor} text=${text} onText=${setText} marked=${marked} jump=${jump} />
  </div>`;
}

function TemplateEdit({ params, copy }) {
  const version = Number.parseInt(params.version, 10);
  const { data, error, loading } = useQuery(TEMPLATE, { key: params.key, version }, [params.key, version]);
  const template = data?.template;
  const title = t(copy ? "tedit.copyTitle" : "tedit.title", { name: template ? pick(template.title) : params.key });
  useTitle(title);
  return html`<div>
    <p><a href=${href(`/templates/${params.key}/${params.version}`)}>← ${params.key}@${params.version}</a></p>
    <h1>${title}</h1>
    <p class="muted">${t(copy ? "tedit.copyHint" : "tedit.hint")}</p>
    ${error ? html`<${ErrorBox} error=${error} />` : null}
    ${loading ? html`<${Loading} />` : null}
    ${data && !template ? html`<p class="muted">${t("templates.unknown")}</p>` : null}
    ${template ? html`<${EditForm} template=${template} copy=${copy} />` : null}
  </div>`;
}

export const page = {
  route: "/templates/:key/:version/edit",
  title: "tedit.menu",
  requires: ["template.read", "template.publish"],
  view: (props) => html`<${TemplateEdit} ...${props} copy=${false} />`,
};

export const copyPage = {
  ...page,
  route: "/templates/:key/:version/copy",
  view: (props) => html`<${TemplateEdit} ...${props} copy=${true} />`,
};

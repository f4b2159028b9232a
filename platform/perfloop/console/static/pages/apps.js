// Apps: the installed apps (installedApps), upgrading one to a newer version of its
// template (upgradeApp), and assembling a new one: pick an app template, adjust its
// parameters in a form rendered from their JSON Schema (weights, bands, multipliers),
// checked as you type — the schema and the template's constraints in the browser, then
// (debounced) the API's validateTemplate over the app with these values — and install
// it for the company or one unit's subtree (installApp).
import { ERROR_FIELDS, errorsAt, gql, mutate } from "../lib/api.js";
import { formatDateTime, pick, t } from "../lib/i18n.js";
import { JsonForm } from "../lib/jsonform.js";
import { OrgUnitSelect, unitLabel, useOrgUnits } from "../lib/orgunits.js";
import { constraintProblems, editorPointer, overridesOf } from "../lib/parameters.js";
import { html, useEffect, useMemo, useState } from "../lib/preact.js";
import { href } from "../lib/router.js";
import { ErrorBox, Loading, useQuery, useTitle } from "../lib/ui.js";

const APP_FIELDS = "id app appKey appVersion status overrides installedAt orgUnit { id name nameEn }";
const APPS = `query Apps {
  installedApps { ${APP_FIELDS} }
  templates(kind: "app", first: 100) { edges { node { key version ref title { zhCN en } } } }
}`;
const APP_TEMPLATE = `query AppTemplate($key: String!, $version: Int) {
  template(key: $key, version: $version) { key version ref title { zhCN en } document }
}`;
const CHECK = `query CheckApp($document: JSON!) {
  validateTemplate(document: $document) { valid problems { pointer code message } }
}`;
const INSTALL = `mutation Install($app: String!, $parameters: JSON, $orgUnit: ID) {
  installApp(app: $app, parameters: $parameters, orgUnit: $orgUnit) {
    installedApp { ${APP_FIELDS} } ${ERROR_FIELDS}
  }
}`;
const UPGRADE = `mutation Upgrade($id: ID!, $toVersion: Int!) {
  upgradeApp(id: $id, toVersion: $toVersion) { installedApp { ${APP_FIELDS} } ${ERROR_FIELDS} }
}`;
const DEFAULTS = "/parameters/defaults";

function Installed({ apps, latest, onChanged }) {
  const [error, setError] = useState(null);
  const upgrade = async (app, toVersion) => {
    setError(null);
    try {
      await mutate(UPGRADE, { id: app.id, toVersion }, "upgradeApp");
      onChanged();
    } catch (exc) {
      setError(exc);
    }
  };
  if (!apps.length) return html`<p class="muted">${t("apps.none")}</p>`;
  return html`<${ErrorBox} error=${error} />
    <table data-test="installed-apps">
      <thead><tr><th>${t("apps.app")}</th><th>${t("apps.scope")}</th><th>${t("apps.status")}</th>
        <th>${t("apps.overrides")}</th><th>${t("apps.installedAt")}</th><th></th></tr></thead>
      <tbody>${apps.map((app) => {
        const newest = latest.get(app.appKey) ?? app.appVersion;
        return html`<tr data-app=${app.id}>
          <td><code>${app.app}</code></td>
          <td>${unitLabel(app.orgUnit)}</td>
          <td><span class="badge">${app.status}</span></td>
          <td><code class="small">${JSON.stringify(app.overrides)}</code></td>
          <td>${formatDateTime(app.installedAt)}</td>
          <td>${newest > app.appVersion && app.status === "active"
            ? html`<button onClick=${() => upgrade(app, newest)}>${t("apps.upgrade", { version: newest })}</button>`
            : null}</td>
        </tr>`;
      })}</tbody>
    </table>`;
}

/** Problems of values: JSON Editor's (the schema), then the constraints; [{pointer, message}]. */
function localProblems(document, values, editorProblems) {
  const schema = (editorProblems ?? []).map((p) => ({ pointer: editorPointer(p.path), message: p.message }));
  return schema.length ? schema : constraintProblems(document.parameters.constraints, values);
}

/** The API's problems of the app with these values as its defaults (debounced). */
function useServerCheck(document, values, ready) {
  const [state, setState] = useState({ problems: [], checking: false });
  useEffect(() => {
    if (!ready || values == null) return undefined;
    let live = true;
    const timer = setTimeout(async () => {
      setState((s) => ({ ...s, checking: true }));
      const probe = { ...document, parameters: { ...document.parameters, defaults: values } };
      try {
        const { validateTemplate } = await gql(CHECK, { document: probe });
        const problems = validateTemplate.problems
          .filter((p) => p.pointer.startsWith(DEFAULTS))
          .map((p) => ({ pointer: p.pointer.slice(DEFAULTS.length), message: p.message }));
        if (live) setState({ problems, checking: false });
      } catch {
        if (live) setState({ problems: [], checking: false });
      }
    }, 400);
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [document, JSON.stringify(values), ready]);
  return state;
}

/** An installApp error about the values as a problem {pointer, message}. */
function asProblem(error) {
  const pointer = error.path.slice(1).map((p) => `/${p}`).join("");
  const prefix = `${pointer || "/"}: `;
  return { pointer, message: error.message.startsWith(prefix) ? error.message.slice(prefix.length) : error.message };
}

function Assemble({ template, units, onInstalled }) {
  const document = template.document;
  const defaults = document.parameters?.defaults ?? {};
  const [values, setValues] = useState(defaults);
  const [editorProblems, setEditorProblems] = useState([]);
  const form = useMemo(() => ({ answers: document.parameters?.schema }), [document]);
  const [unit, setUnit] = useState(null);
  const [state, setState] = useState({ busy: false, error: null });
  const local = localProblems(document, values, editorProblems);
  const server = useServerCheck(document, values, local.length === 0);
  const problems = local.length ? local : server.problems;
  // installApp's own findings about the values (path: parameters + the pointer's parts)
  const refused = errorsAt(state.error, ["parameters"]);
  const rest = state.error?.errors?.filter((e) => !refused.includes(e)) ?? [];
  const shown = [...problems, ...refused.map(asProblem)];
  const install = async () => {
    setState({ busy: true, error: null });
    try {
      const parameters = overridesOf(defaults, values);
      const payload = await mutate(INSTALL, { app: template.ref, parameters, orgUnit: unit }, "installApp");
      setState({ busy: false, error: null });
      onInstalled(payload.installedApp);
    } catch (error) {
      setState({ busy: false, error });
    }
  };
  return html`<div class="card" data-test="assemble">
    <h3>${pick(template.title)} <code>${template.ref}</code></h3>
    <p class="muted">${t("apps.components")}: ${Object.values(document.components ?? {}).flat().join(", ")}</p>
    <label class="row">${t("apps.scope")}
      <${OrgUnitSelect} units=${units} value=${unit} onChange=${setUnit} none=${t("org.wholeTenant")} test="install-unit" />
    </label>
    <div class="sticky">
    <ul class="problems" data-test="parameter-problems">
      ${shown.map((p) => html`<li class="bad" data-pointer=${p.pointer}>
        <code class="path">${p.pointer || "/"}</code> ${pick(p.message)}</li>`)}
    </ul>
    ${server.checking ? html`<p class="muted">${t("apps.checking")}</p>` : null}
    ${!shown.length && !server.checking ? html`<p><span class="badge good" data-test="parameters-valid">${t("apps.valid")}</span></p>` : null}
    <p><button class="primary" disabled=${state.busy || problems.length > 0} onClick=${install} data-test="install">${t("apps.install")}</button></p>
    ${rest.length ? html`<${ErrorBox} error=${{ errors: rest }} />` : null}
    </div>
    ${document.parameters
      ? html`<${JsonForm} name="parameters" form=${form} title=${t("apps.parameters")}
          value=${defaults} onChange=${(value, found) => { setValues(value); setEditorProblems(found); }} />`
      : html`<p class="muted">${t("apps.noParameters")}</p>`}
  </div>`;
}

function Chooser({ templates, units, onInstalled }) {
  const [ref, setRef] = useState("");
  const [key, version] = ref ? ref.split("@") : [null, null];
  const { data, error, loading } = useQuery(ref ? APP_TEMPLATE : null, { key, version: Number(version) }, [ref]);
  return html`<div>
    <label class="row">${t("apps.template")}
      <select value=${ref} onChange=${(e) => setRef(e.target.value)} data-test="app-template">
        <option value="">${t("apps.choose")}</option>
        ${templates.map((tpl) => html`<option value=${tpl.ref}>${pick(tpl.title)} (${tpl.ref})</option>`)}
      </select>
    </label>
    ${error ? html`<${ErrorBox} error=${error} />` : null}
    ${loading ? html`<${Loading} />` : null}
    ${data?.template ? html`<${Assemble} key=${data.template.ref} template=${data.template} units=${units} onInstalled=${onInstalled} />` : null}
  </div>`;
}

function Apps() {
  useTitle(t("apps.title"));
  const { data, error, loading, reload } = useQuery(APPS);
  const { units } = useOrgUnits();
  const [installed, setInstalled] = useState(null);
  const templates = (data?.templates.edges ?? []).map((e) => e.node);
  const latest = useMemo(() => {
    const map = new Map();
    for (const tpl of templates) map.set(tpl.key, Math.max(map.get(tpl.key) ?? 0, tpl.version));
    return map;
  }, [data]);
  const done = (app) => {
    setInstalled(app);
    reload();
  };
  return html`<div>
    <h1>${t("apps.title")}</h1>
    ${error ? html`<${ErrorBox} error=${error} />` : null}
    ${loading && !data ? html`<${Loading} />` : null}
    ${data ? html`<${Installed} apps=${data.installedApps} latest=${latest} onChanged=${reload} />` : null}
    ${installed
      ? html`<p class="badge good" data-test="installed">${t("apps.installed", { app: installed.app, id: installed.id })}
          · <a href=${href("/cycles")}>${t("apps.openCycle")}</a></p>`
      : null}
    <h2>${t("apps.assemble")}</h2>
    ${data ? html`<${Chooser} templates=${templates} units=${units} onInstalled=${done} />` : null}
  </div>`;
}

export const page = {
  route: "/apps",
  title: "apps.title",
  nav: 40,
  requires: ["app.read", "app.install"],
  view: Apps,
};

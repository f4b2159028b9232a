// Template gallery: the templates the tenant sees (built-in and its own), by kind,
// each linking to its page (pages/template.js).
import { pick, t } from "../lib/i18n.js";
import { html, useState } from "../lib/preact.js";
import { href } from "../lib/router.js";
import { ErrorBox, Loading, useQuery, useTitle } from "../lib/ui.js";

const TEMPLATES = `query Templates($kind: String, $after: String) {
  templates(kind: $kind, first: 100, after: $after) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { node { key version kind status builtIn ref title { zhCN en } } }
  }
}`;

export const KINDS = ["app", "scoring", "cycle", "kpi-library", "form", "dataset"];

function Gallery() {
  useTitle(t("templates.title"));
  const [kind, setKind] = useState("");
  const [after, setAfter] = useState(null);
  const { data, error, loading } = useQuery(TEMPLATES, { kind: kind || null, after }, [kind, after]);
  const connection = data?.templates;
  return html`<div>
    <h1>${t("templates.title")}</h1>
    <p class="row">
      <label class="row">${t("templates.kind")}
        <select value=${kind} onChange=${(e) => { setKind(e.target.value); setAfter(null); }} data-test="kind">
          <option value="">${t("templates.allKinds")}</option>
          ${KINDS.map((k) => html`<option value=${k}>${k}</option>`)}
        </select>
      </label>
      ${connection ? html`<span class="muted">${t("templates.count", { count: connection.totalCount })}</span>` : null}
    </p>
    ${error ? html`<${ErrorBox} error=${error} />` : null}
    ${loading ? html`<${Loading} />` : null}
    ${connection
      ? html`<table data-test="templates">
          <thead><tr><th>${t("templates.name")}</th><th>${t("templates.kind")}</th>
            <th>${t("templates.ref")}</th><th>${t("templates.origin")}</th></tr></thead>
          <tbody>
            ${connection.edges.map(
              ({ node }) => html`<tr data-ref=${node.ref}>
                <td><a href=${href(`/templates/${node.key}/${node.version}`)}>${pick(node.title)}</a></td>
                <td>${node.kind}</td>
                <td><code>${node.ref}</code></td>
                <td><span class=${`badge${node.builtIn ? "" : " good"}`}>${node.builtIn ? t("templates.builtIn") : t("templates.tenant")}</span></td>
              </tr>`,
            )}
          </tbody>
        </table>
        ${connection.pageInfo.hasNextPage
          ? html`<p><button onClick=${() => setAfter(connection.pageInfo.endCursor)}>${t("common.next")}</button></p>`
          : null}`
      : null}
  </div>`;
}

export const page = {
  route: "/templates",
  title: "templates.title",
  nav: 30,
  requires: ["template.read"],
  view: Gallery,
};

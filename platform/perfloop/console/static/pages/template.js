// One template version: its title, kind, checksum and document, with links to edit
// it or copy it (pages/template-edit.js) for those who may publish;
// a form template also shows its form, rendered from its `answers` schema.
import { pick, t } from "../lib/i18n.js";
import { JsonForm } from "../lib/jsonform.js";
import { html } from "../lib/preact.js";
import { href } from "../lib/router.js";
import { can } from "../lib/session.js";
import { ErrorBox, Loading, useQuery, useTitle } from "../lib/ui.js";

const TEMPLATE = `query Template($key: String!, $version: Int) {
  template(key: $key, version: $version) {
    key version kind status builtIn ref checksum createdAt title { zhCN en } document
  }
}`;

function TemplatePage({ viewer, params }) {
  const version = Number.parseInt(params.version, 10);
  const { data, error, loading } = useQuery(TEMPLATE, { key: params.key, version }, [params.key, version]);
  const template = data?.template;
  useTitle(template ? pick(template.title) : t("templates.title"));
  return html`<div>
    <p><a href=${href("/templates")}>← ${t("templates.title")}</a></p>
    ${error ? html`<${ErrorBox} error=${error} />` : null}
    ${loading ? html`<${Loading} />` : null}
    ${data && !template ? html`<p class="muted">${t("templates.unknown")}</p>` : null}
    ${template
      ? html`<h1>${pick(template.title)}</h1>
          <div class="card">
            <p><span class="badge">${template.kind}</span> <code>${template.ref}</code>
              <span class="badge">${template.builtIn ? t("templates.builtIn") : t("templates.tenant")}</span></p>
            <p class="muted">${t("templates.checksum")}: <code>${template.checksum}</code></p>
            ${can(viewer, "template.publish")
              ? html`<p class="row">
                  <a class="button" href=${href(`/templates/${template.key}/${template.version}/edit`)} data-test="edit">${t("tedit.edit")}</a>
                  <a class="button" href=${href(`/templates/${template.key}/${template.version}/copy`)} data-test="copy">${t("tedit.copy")}</a>
                </p>`
              : null}
          </div>
          ${template.kind === "form" && template.document.answers
            ? html`<h2>${t("templates.preview")}</h2>
                <${JsonForm} name=${template.key} form=${template.document}
                  title=${pick(template.title)} />`
            : null}
          <h2>${t("templates.document")}</h2>
          <pre class="json" data-test="document">${JSON.stringify(template.document, null, 2)}</pre>`
      : null}
  </div>`;
}

export const page = {
  route: "/templates/:key/:version",
  title: "templates.title",
  requires: ["template.read"],
  view: TemplatePage,
};

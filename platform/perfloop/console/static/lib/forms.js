// Forms rendered from a form template's JSON Schema (its `answers`) by JSON Editor,
// labels in the viewer's language: a new form template needs no frontend change.
//
//   html`<${SchemaForm} name="self-review" schema=${template.document.answers}
//          value=${answers} onChange=${(value, problems) => …} />`
//
// problems: JSON Editor's validation list [{path: "root.field", message}].
import { language, pick } from "./i18n.js";
import { html, useEffect, useRef } from "./preact.js";
import { loadJsonEditor } from "./vendor.js";

/** The schema as JSON Editor reads it: x-title → title, x-enum-titles →
 * options.enum_titles, in the current language (recursively). */
export function editorSchema(schema) {
  if (Array.isArray(schema)) return schema.map(editorSchema);
  if (schema === null || typeof schema !== "object") return schema;
  const out = {};
  for (const [key, value] of Object.entries(schema)) {
    if (key === "x-title") out.title = pick(value);
    else if (key === "x-enum-titles") out.options = { ...out.options, enum_titles: value.map(pick) };
    else if (key === "properties") {
      out.properties = Object.fromEntries(Object.entries(value).map(([k, v]) => [k, editorSchema(v)]));
    } else out[key] = editorSchema(value);
  }
  return out;
}

export function SchemaForm({ name, schema, value, onChange }) {
  const box = useRef(null);
  const lang = language();
  useEffect(() => {
    let editor = null;
    let live = true;
    loadJsonEditor().then((JSONEditor) => {
      if (!live || !box.current) return;
      editor = new JSONEditor(box.current, {
        schema: editorSchema(schema),
        startval: value,
        theme: "html",
        disable_edit_json: true,
        disable_properties: true,
        disable_collapse: true,
        disable_array_reorder: true,
        no_additional_properties: true,
        show_errors: "interaction",
        prompt_before_delete: false,
      });
      editor.on("change", () => onChange?.(editor.getValue(), editor.validate()));
    });
    return () => {
      live = false;
      editor?.destroy();
    };
  }, [schema, lang]);
  return html`<div class="schema-form" data-form=${name} ref=${box}></div>`;
}

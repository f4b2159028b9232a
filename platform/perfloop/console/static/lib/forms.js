// Forms rendered from a form template's JSON Schema (its `answers`) and UI hints
// (its `uiSchema`) by JSON Editor, labels in the viewer's language: a new form
// template needs no frontend change.
//
//   html`<${SchemaForm} name="self-review" schema=${doc.answers} ui=${doc.uiSchema}
//          title=${pick(doc.title)} value=${answers} onChange=${(value, problems) => …} />`
//
// problems: JSON Editor's validation list [{path: "root.field", message}].
import { language, pick } from "./i18n.js";
import { html, useEffect, useRef } from "./preact.js";
import { loadJsonEditor } from "./vendor.js";

const WIDGETS = { textarea: "textarea", radio: "radio", range: "range" };

/** The schema as JSON Editor reads it, in the current language: x-title → title,
 * x-description (or the uiSchema's ui:help) → description, x-enum-titles →
 * options.enum_titles; the uiSchema's ui:order → propertyOrder and ui:widget
 * (textarea, radio, range) → format. Recursive over properties and items. */
export function editorSchema(schema, ui = {}) {
  if (schema === null || typeof schema !== "object" || Array.isArray(schema)) return schema;
  const out = {};
  for (const [key, value] of Object.entries(schema)) {
    if (key === "x-title") out.title = pick(value);
    else if (key === "x-description") out.description = pick(value);
    else if (key === "x-enum-titles") out.options = { ...out.options, enum_titles: value.map(pick) };
    else if (key === "properties") {
      const order = ui["ui:order"] ?? [];
      out.properties = Object.fromEntries(
        Object.entries(value).map(([name, child]) => {
          const edited = editorSchema(child, ui[name] ?? {});
          if (order.includes(name)) edited.propertyOrder = order.indexOf(name) + 1;
          return [name, edited];
        }),
      );
    } else if (key === "items") out.items = editorSchema(value, ui.items ?? {});
    else out[key] = value;
  }
  if (WIDGETS[ui["ui:widget"]]) out.format = WIDGETS[ui["ui:widget"]];
  if (ui["ui:help"] && !out.description) out.description = pick(ui["ui:help"]);
  return out;
}

export function SchemaForm({ name, schema, ui, title, value, onChange }) {
  const box = useRef(null);
  const lang = language();
  useEffect(() => {
    let editor = null;
    let live = true;
    loadJsonEditor().then((JSONEditor) => {
      if (!live || !box.current) return;
      editor = new JSONEditor(box.current, {
        schema: { ...editorSchema(schema, ui ?? {}), title: title ?? " " },
        startval: value,
        theme: "html",
        disable_edit_json: true,
        disable_properties: true,
        disable_collapse: true,
        disable_array_reorder: true,
        no_additional_properties: true,
        show_errors: "interaction",
        show_opt_in: true, // an optional answer has a checkbox to include it
        prompt_before_delete: false,
      });
      editor.on("change", () => onChange?.(editor.getValue(), editor.validate()));
    });
    return () => {
      live = false;
      editor?.destroy();
    };
  }, [schema, ui, title, lang]);
  return html`<div class="schema-form" data-form=${name} ref=${box}></div>`;
}

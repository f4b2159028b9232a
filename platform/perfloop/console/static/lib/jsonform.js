// Forms rendered from a form template (review forms, the appeal form, an improvement
// plan): the template's `answers` JSON Schema and `uiSchema` hints become a JSON
// Editor form in the chosen language, so a new form template needs no frontend change.
//
//   const { form, error, loading } = useFormTemplate("self-review@1");
//   const editor = useRef(null);
//   html`<${JsonForm} form=${form} value=${answers} error=${apiError} editorRef=${editor} />`
//   ... editor.current.getValue()
//
// Also any JSON Schema with the same x-title hints (an app's parameters, a form
// template's preview): `name` tags the form (data-form), `title` heads it, and
// onChange(value, problems) follows each edit with JSON Editor's own validation
// ([{path: "root.field", message}]) for a page that checks as the person types.
//
// The API validates the answers; its errors (path ["answers", field, …]) are shown
// next to their fields, in the chosen language (by the error's `detail`,
// `schema.required` …), and the others above the form.
import { errorsAt, errorText } from "./api.js";
import { language, pick, t } from "./i18n.js";
import { html, useEffect, useRef } from "./preact.js";
import { ErrorBox, useQuery } from "./ui.js";
import { loadJsonEditor } from "./vendor.js";

const TEMPLATE = `query FormTemplate($key: String!, $version: Int) {
  template(key: $key, version: $version) { ref kind title { zhCN en } document }
}`;

// the JSON Schema rules whose errors have a message of their own (form.error.<rule>)
const RULES = [
  "required", "minLength", "maxLength", "minimum", "maximum", "maxItems", "enum", "type", "format",
  "additionalProperties",
];
const WIDGETS = { textarea: "textarea", radio: "radio", range: "range", checkboxes: "checkbox" };

/** {form, error, loading}: the form template named by ref ("key@version"). */
export function useFormTemplate(ref) {
  const [key, version] = (ref ?? "").split("@");
  const variables = { key, version: version ? Number(version) : null };
  const { data, error, loading } = useQuery(ref ? TEMPLATE : null, variables, [ref]);
  return { form: data?.template?.document ?? null, error, loading };
}

/** The JSON Editor schema of a form template's schema node with its uiSchema hints,
 * in the current language: x-title → title, x-description (else ui:help) →
 * description, x-enum-titles → option titles; ui:order, ui:widget, ui:options. */
export function editorSchema(node, ui = {}) {
  const { "x-title": title, "x-description": about, "x-enum-titles": enumTitles, properties, items, ...rest } = node;
  const schema = { ...rest, options: {} };
  if (title) schema.title = pick(title);
  if (about) schema.description = pick(about);
  if (enumTitles) schema.options.enum_titles = enumTitles.map(pick);
  if (rest.enum && !("default" in rest)) {
    // no choice made for the person: nothing checked, "choose…" (JSON Editor picks the first)
    schema.default = null;
    Object.assign(schema.options, { has_placeholder_option: true, placeholder_option_text: t("form.choose") });
  }
  if (ui["ui:help"] && !about) schema.description = pick(ui["ui:help"]);
  const widget = WIDGETS[ui["ui:widget"]];
  if (widget) schema.format = widget;
  if (ui["ui:options"]?.inline) schema.options.layout = "horizontal";
  if (ui["ui:options"]?.rows) schema.options.input_height = `${ui["ui:options"].rows * 1.6}em`;
  if (properties) {
    const order = ui["ui:order"] ?? Object.keys(properties);
    schema.properties = Object.fromEntries(
      Object.entries(properties).map(([name, child]) => [
        name,
        { ...editorSchema(child, ui[name] ?? {}), propertyOrder: order.indexOf(name) + 1 || 1000 },
      ]),
    );
  }
  if (items) schema.items = { title: t("form.editor.item"), ...editorSchema(items, ui.items ?? {}) };
  return schema;
}

/** The form schema's node at an answers path (["goals", "0", "due_date"]). */
function nodeAt(schema, path) {
  let node = schema;
  for (const part of path) {
    node = /^\d+$/.test(part) ? node?.items : node?.properties?.[part];
  }
  return node ?? {};
}

/** One API error of the answers in the current language: by its detail
 * (schema.required → form.error.required), else the API's own message. */
function errorMessage(error, schema) {
  const field = error.path.slice(1);
  const node = nodeAt(schema, field);
  const rule = (error.detail ?? "").replace(/^schema\./, "");
  const params = {
    min: node.minLength ?? node.minimum ?? node.minItems,
    max: node.maxLength ?? node.maximum ?? node.maxItems,
  };
  return RULES.includes(rule) ? t(`form.error.${rule}`, params) : errorText(error).replace(/^(.*?：)?\/\S*: /, "$1");
}

function editorLanguage(JSONEditor) {
  const lang = language();
  JSONEditor.defaults.languages[lang] = {
    ...(JSONEditor.defaults.languages[lang] ?? {}),
    button_add_row_title: t("form.editor.add"),
    button_delete_row_title: t("form.editor.delete"),
    button_delete_row_title_short: t("form.editor.delete"),
    button_delete_last_title: t("form.editor.deleteLast"),
    button_delete_all_title: t("form.editor.deleteAll"),
  };
  JSONEditor.defaults.language = lang;
}

/** The answers in an editor's value for a form schema node: empty texts, nulls and
 * choices not made left out (an empty optional field is no answer, not one too short). */
function answers(value, node = {}) {
  if (Array.isArray(value)) return value.map((v) => answers(v, node.items));
  if (value === null || typeof value !== "object") return value;
  const field = (name) => node.properties?.[name] ?? {};
  const given = (name, v) => v !== "" && v != null && !(field(name).enum && !field(name).enum.includes(v));
  return Object.fromEntries(
    Object.entries(value)
      .filter(([name, v]) => given(name, v))
      .map(([name, v]) => [name, answers(v, field(name))]),
  );
}

const OPTIONS = {
  theme: "html",
  iconlib: null,
  show_errors: "always",
  disable_collapse: true,
  disable_edit_json: true,
  disable_properties: true,
  disable_array_reorder: true,
  no_additional_properties: true,
  prompt_before_delete: false,
};

/**
 * A form template rendered with JSON Editor. editorRef.current.getValue() gives the
 * answers; value is where it starts; error an ApiError of a save, whose answers
 * errors are shown at their fields. Rebuilt, keeping what was typed, when the
 * language changes.
 */
export function JsonForm({ form, value, error, editorRef: given, disabled = false, name, title, onChange }) {
  const own = useRef(null);
  const editorRef = given ?? own;
  const holder = useRef(null);
  const instance = useRef(null);
  const shown = useRef([]);
  const lang = language();
  useEffect(() => {
    let live = true;
    loadJsonEditor().then((JSONEditor) => {
      if (!live) return;
      editorLanguage(JSONEditor);
      const root = { ...editorSchema(form.answers ?? { type: "object" }, form.uiSchema ?? {}) };
      root.options = { ...root.options, compact: !title };
      if (title) root.title = title;
      const editor = new JSONEditor(holder.current, {
        ...OPTIONS,
        schema: root,
        disable_array_add: disabled,
        disable_array_delete: disabled,
      });
      // JSON Editor ends every message with "."; ours end as their language does
      const addInputError = editor.theme.addInputError.bind(editor.theme);
      editor.theme.addInputError = (input, text) => addInputError(input, text.replace(/([.。])\.$/, "$1"));
      const start = editorRef.current?.getValue() ?? value ?? {};
      editor.on("ready", () => {
        // over the defaults: a startval without an optional field would hide it
        editor.setValue({ ...editor.getValue(), ...start });
        // only the API's errors are shown (in the chosen language), not the editor's own
        const show = editor.root.showValidationErrors.bind(editor.root);
        editor.root.showValidationErrors = () => show(shown.current);
        show(shown.current);
        if (disabled) editor.disable();
        if (onChange) {
          const changed = () => onChange(answers(editor.getValue(), form.answers), editor.validate());
          editor.on("change", changed);
          changed();
        }
      });
      instance.current = editor;
      editorRef.current = { getValue: () => answers(editor.getValue(), form.answers) };
    });
    return () => {
      live = false;
      const editor = instance.current;
      if (!editor) return;
      const kept = answers(editor.getValue(), form.answers); // what was typed survives a language switch
      editor.destroy();
      instance.current = null;
      editorRef.current = { getValue: () => kept };
    };
  }, [form, lang, disabled, title]);

  const [atFields, elsewhere] = splitErrors(error, form);
  useEffect(() => {
    shown.current = atFields.map((e) => ({
      path: ["root", ...e.path.slice(1)].join("."),
      message: errorMessage(e, form.answers ?? {}),
    }));
    instance.current?.root?.showValidationErrors([]);
  }, [error, lang]);

  return html`<div>
    <${ErrorBox} error=${elsewhere} />
    <div class="jsonform" ref=${holder} data-test="jsonform" data-form=${name} data-titled=${title ? "" : undefined}></div>
  </div>`;
}

/** The errors at an answers field the form has, and the rest (as an error for ErrorBox). */
function splitErrors(error, form) {
  if (!error) return [[], null];
  const fields = errorsAt(error, ["answers"]).filter((e) => e.path.length > 1 && nodeAt(form.answers, e.path.slice(1)).type);
  const rest = (error.errors ?? []).filter((e) => !fields.includes(e));
  return [fields, rest.length ? { errors: rest } : null];
}

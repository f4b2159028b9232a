// A plain form from a list of fields, each input with its errors beside it (the
// errors of a mutation whose path starts with the field's name, lib/api.js errorsAt).
//
//   html`<${Fields} fields=${[{ name: "code", label: t("org.code") },
//                             { name: "kind", label: …, options: [{ value, label }] },
//                             { name: "hireDate", label: …, type: "date" }]}
//          values=${values} onChange=${setValues} error=${error} test="unit" />`
import { errorsAt } from "./api.js";
import { html } from "./preact.js";
import { FieldErrors } from "./ui.js";

function Input({ field, value, onInput, test }) {
  const attrs = { value: value ?? "", "data-test": test, "data-field": field.name };
  if (field.options) {
    return html`<select ...${attrs} onChange=${(e) => onInput(e.target.value)}>
      ${field.options.map((o) => html`<option value=${o.value}>${o.label}</option>`)}
    </select>`;
  }
  return html`<input type=${field.type ?? "text"} ...${attrs} onInput=${(e) => onInput(e.target.value)} />`;
}

/** The field errors none of fields shows (to show them under the form). */
export function otherErrors(error, fields) {
  const placed = new Set(fields.flatMap((f) => errorsAt(error, [f.name])));
  return (error?.errors ?? []).filter((e) => !placed.has(e));
}

export function Fields({ fields, values, onChange, error, test }) {
  return html`<div class="fields">
    ${fields.map((field) => html`<label>
      <span>${field.label}</span>
      <${Input} field=${field} value=${values[field.name]} test=${`${test}-${field.name}`}
        onInput=${(value) => onChange({ ...values, [field.name]: value })} />
      <${FieldErrors} errors=${errorsAt(error, [field.name])} />
    </label>`)}
  </div>`;
}

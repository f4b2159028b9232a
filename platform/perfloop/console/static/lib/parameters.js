// An app's parameters on the client, as perfloop.templates.parameters checks them:
// the constraints JSON Schema cannot say (sum, ascending, descending; docs/templates.md,
// `app`), with the template's own bilingual message, and the overrides an install
// stores (what differs from the defaults).

function lookup(values, path) {
  let node = values;
  for (const raw of path.split("/").slice(1)) {
    const part = raw.replaceAll("~1", "/").replaceAll("~0", "~");
    if (node !== null && typeof node === "object" && part in node) node = node[part];
    else return { found: false };
  }
  return { found: true, node };
}

/** The constraints values break: [{pointer, message}] (message bilingual when the
 * template gives one, else {en}). */
export function constraintProblems(constraints, values) {
  const problems = [];
  for (const c of constraints ?? []) {
    const { found, node } = lookup(values, c.path);
    if (!found || node === null || typeof node !== "object") continue; // the schema says it
    let items = Array.isArray(node) ? node : Object.values(node);
    if (c.field != null) items = items.map((item) => item?.[c.field]);
    if (!items.every((n) => typeof n === "number")) continue;
    let broken;
    if (c.check === "sum") broken = Math.abs(items.reduce((a, b) => a + b, 0) - c.equals) > 1e-9;
    else {
      const up = c.check === "ascending";
      broken = items.some((n, i) => i > 0 && (up ? !(items[i - 1] < n) : !(items[i - 1] > n)));
    }
    if (broken) problems.push({ pointer: c.path, message: c.message ?? { en: `${c.check} ${c.path}` } });
  }
  return problems;
}

function same(a, b) {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** What values change of defaults: objects compared key by key, anything else whole. */
export function overridesOf(defaults, values) {
  const out = {};
  for (const [key, value] of Object.entries(values ?? {})) {
    const base = defaults?.[key];
    const nested = value && base && typeof value === "object" && typeof base === "object"
      && !Array.isArray(value) && !Array.isArray(base);
    if (nested) {
      const inner = overridesOf(base, value);
      if (Object.keys(inner).length) out[key] = inner;
    } else if (!same(value, base)) out[key] = value;
  }
  return out;
}

/** JSON Editor's path ("root.rating_bands.0.min_score") as a JSON pointer. */
export function editorPointer(path) {
  return path.split(".").slice(1).map((p) => `/${p}`).join("");
}

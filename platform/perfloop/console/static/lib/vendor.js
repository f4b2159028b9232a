// Libraries loaded on demand from vendor/ (their UMD builds set a global): pages call
// loadChart() / loadJsonEditor() rather than naming vendored files themselves.
const loaded = new Map();

function loadScript(path, global) {
  if (!loaded.has(path)) {
    loaded.set(
      path,
      new Promise((resolve, reject) => {
        const script = document.createElement("script");
        script.src = new URL(`../vendor/${path}`, import.meta.url).href;
        script.onload = () => resolve(window[global]);
        script.onerror = () => reject(new Error(`could not load ${path}`));
        document.head.append(script);
      }),
    );
  }
  return loaded.get(path);
}

/** Chart.js (vendor/chart.js/chart.umd.min.js): the Chart class. */
export function loadChart() {
  return loadScript("chart.js/chart.umd.min.js", "Chart");
}

/** JSON Editor (vendor/json-editor/jsoneditor.js): the JSONEditor class. */
export function loadJsonEditor() {
  return loadScript("json-editor/jsoneditor.js", "JSONEditor");
}

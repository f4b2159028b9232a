// Shared components and hooks for pages.
import { errorText, gql } from "./api.js";
import { formatPercent, t } from "./i18n.js";
import { html, useCallback, useEffect, useState } from "./preact.js";

/**
 * Run a GraphQL query when the component mounts and whenever deps change:
 * {data, error, loading, reload}. Pass query null to wait (a value it needs is unknown).
 */
export function useQuery(query, variables = {}, deps = []) {
  const [state, setState] = useState({ data: null, error: null, loading: query != null });
  const [round, setRound] = useState(0);
  useEffect(() => {
    if (query == null) return undefined;
    let live = true;
    setState((s) => ({ ...s, loading: true, error: null }));
    gql(query, variables).then(
      (data) => live && setState({ data, error: null, loading: false }),
      (error) => live && setState({ data: null, error, loading: false }),
    );
    return () => {
      live = false;
    };
  }, [query, round, ...deps]);
  const reload = useCallback(() => setRound((r) => r + 1), []);
  return { ...state, reload };
}

export function Loading() {
  return html`<p class="muted" role="status">${t("common.loading")}</p>`;
}

/** An error with each of its messages, code and (input or field) path. */
export function ErrorBox({ error }) {
  if (!error) return null;
  const errors = error.errors ?? [{ message: String(error.message ?? error) }];
  return html`<div class="error" role="alert">
    ${errors.map(
      (e) => html`<div>
        ${errorText(e)}
        ${e.code ? html` <span class="badge">${e.code}</span>` : null}
        ${e.path?.length ? html` <span class="path">${e.path.join(".")}</span>` : null}
      </div>`,
    )}
  </div>`;
}

/** The errors of one input field, shown next to it (errorsAt(err, path) picks them). */
export function FieldErrors({ errors }) {
  if (!errors?.length) return null;
  return html`<div class="error">${errors.map((e) => html`<div>${errorText(e)}</div>`)}</div>`;
}

export function Stat({ label, value }) {
  return html`<div class="card"><div class="stat">${value}</div><div class="stat-label">${label}</div></div>`;
}

export function ProgressBar({ share, behind }) {
  const width = Math.max(0, Math.min(1, share ?? 0)) * 100;
  return html`<div class="row">
    <div class=${`bar${behind ? " behind" : ""}`}><span style=${`width:${width}%`}></span></div>
    <span>${formatPercent(share)}</span>
  </div>`;
}

/** Set document.title to a page's title. */
export function useTitle(title) {
  useEffect(() => {
    document.title = title ? `${title} · perfloop` : "perfloop";
  }, [title]);
}

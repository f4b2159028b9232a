// Hash routes (#/scorecard, #/templates/standard-scoring/2): the server serves one
// page at /, so no server-side fallback is needed. A page's `route` may hold
// ":name" parts, handed to its view as params.
import { useEffect, useState } from "./preact.js";

export function currentPath() {
  const path = decodeURI(location.hash.replace(/^#/, "")) || "/";
  return path.startsWith("/") ? path : `/${path}`;
}

export function navigate(path) {
  location.hash = `#${path}`;
}

/** A link's href for a path, its parts URI-encoded. */
export function href(path) {
  return `#${path.split("/").map(encodeURIComponent).join("/")}`;
}

/** The params of path under route ("/templates/:key" against "/templates/x"), or null. */
export function match(route, path) {
  const want = route.split("/").filter(Boolean);
  const got = path.split("/").filter(Boolean);
  if (want.length !== got.length) return null;
  const params = {};
  for (let i = 0; i < want.length; i += 1) {
    if (want[i].startsWith(":")) params[want[i].slice(1)] = decodeURIComponent(got[i]);
    else if (want[i] !== got[i]) return null;
  }
  return params;
}

/** The first page whose route matches path, with its params; null when none does. */
export function resolve(pages, path) {
  for (const page of pages) {
    const params = match(page.route, path);
    if (params) return { page, params };
  }
  return null;
}

/** The current hash path, re-rendering on every change. */
export function usePath() {
  const [path, setPath] = useState(currentPath());
  useEffect(() => {
    const changed = () => setPath(currentPath());
    window.addEventListener("hashchange", changed);
    return () => window.removeEventListener("hashchange", changed);
  }, []);
  return path;
}

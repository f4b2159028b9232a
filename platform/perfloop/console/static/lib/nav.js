// What the viewer may see: the pages whose `requires` they all hold (and one of
// `requiresAny`, when a page lists it, and whose `visible(viewer)`, when a page has
// one, says yes), and the side nav (the pages with a `nav` position, in that order).
import { can } from "./session.js";

export function allowed(page, viewer) {
  const any = page.requiresAny ?? [];
  return (
    can(viewer, page.requires ?? []) &&
    (!any.length || any.some((name) => can(viewer, name))) &&
    (page.visible?.(viewer) ?? true)
  );
}

export function navEntries(pages, viewer) {
  return pages
    .filter((page) => page.nav != null && allowed(page, viewer))
    .sort((a, b) => a.nav - b.nav);
}

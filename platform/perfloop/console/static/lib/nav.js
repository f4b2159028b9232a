// What the viewer may see: the pages whose `requires` they hold (and whose
// `visible(viewer)`, when a page has one, says yes), and the side nav (the pages
// with a `nav` position, in that order).
import { can } from "./session.js";

export function allowed(page, viewer) {
  return can(viewer, page.requires ?? []) && (page.visible?.(viewer) ?? true);
}

export function navEntries(pages, viewer) {
  return pages
    .filter((page) => page.nav != null && allowed(page, viewer))
    .sort((a, b) => a.nav - b.nav);
}

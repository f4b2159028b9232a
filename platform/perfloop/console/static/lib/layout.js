// The shell around every page: top bar (brand, who, language switch, sign-out) and
// the side nav built from the pages the viewer may open (lib/nav.js).
import { LANGUAGES, language, setLanguage, t } from "./i18n.js";
import { navEntries } from "./nav.js";
import { html } from "./preact.js";
import { href } from "./router.js";

export function LanguageSwitch() {
  return html`<select aria-label=${t("layout.language")} value=${language()} data-test="language"
    onChange=${(e) => setLanguage(e.target.value)}>
    ${LANGUAGES.map((lang) => html`<option value=${lang}>${t(`language.${lang}`)}</option>`)}
  </select>`;
}

export function Layout({ pages, viewer, path, onSignOut, children }) {
  const entries = navEntries(pages, viewer);
  const active = (page) => path === page.route || path.startsWith(`${page.route}/`);
  return html`<div class="shell">
    <header class="topbar">
      <a class="brand" href="#/">perfloop</a>
      <span class="muted">${viewer.tenant.name}</span>
      <span class="spacer"></span>
      <span class="who" data-test="who">${viewer.user.displayName} · ${viewer.roles.map((r) => t(`role.${r}`)).join(", ")}</span>
      <${LanguageSwitch} />
      <button onClick=${onSignOut} data-test="sign-out">${t("layout.signOut")}</button>
    </header>
    <nav class="sidenav">
      ${entries.map(
        (page) => html`<a href=${href(page.route)} class=${active(page) ? "active" : ""}
          data-nav=${page.route}>${t(page.title)}</a>`,
      )}
    </nav>
    <main>${children}</main>
  </div>`;
}

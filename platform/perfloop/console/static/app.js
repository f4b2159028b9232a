// The console's entry point: load the messages, then show the sign-in while there is
// no session, and otherwise the layout with the page the hash route names.
import { ApiError, UNAUTHENTICATED_EVENT, gql } from "./lib/api.js";
import { loadMessages, onLanguageChange, t } from "./lib/i18n.js";
import { Layout } from "./lib/layout.js";
import { allowed } from "./lib/nav.js";
import { html, render, useEffect, useState } from "./lib/preact.js";
import { resolve, usePath } from "./lib/router.js";
import { ME_QUERY, clearToken, getToken, setToken, toViewer } from "./lib/session.js";
import { ErrorBox, Loading } from "./lib/ui.js";
import { PAGES } from "./pages/index.js";
import { SignIn } from "./pages/signin.js";

function Routed({ viewer, path }) {
  const found = resolve(PAGES, path);
  if (!found) return html`<h1>${t("app.notFound")}</h1><p><a href="#/">${t("home.title")}</a></p>`;
  if (!allowed(found.page, viewer)) return html`<h1>${t("app.notAllowed")}</h1>`;
  const View = found.page.view;
  return html`<${View} viewer=${viewer} params=${found.params} key=${path} />`;
}

function App() {
  const [, setLang] = useState(null); // re-render everything on a language change
  const [session, setSession] = useState({ token: getToken(), viewer: null, error: null, message: null });
  const path = usePath();

  useEffect(() => onLanguageChange(setLang), []);
  useEffect(() => {
    const expired = (event) => {
      clearToken();
      setSession({ token: null, viewer: null, error: null, message: event.detail });
    };
    window.addEventListener(UNAUTHENTICATED_EVENT, expired);
    return () => window.removeEventListener(UNAUTHENTICATED_EVENT, expired);
  }, []);
  useEffect(() => {
    if (!session.token || session.viewer) return;
    gql(ME_QUERY).then(
      (data) => setSession((s) => ({ ...s, viewer: toViewer(data.me), error: null })),
      (error) => {
        if (error instanceof ApiError && error.code === "UNAUTHENTICATED") return; // handled above
        setSession((s) => ({ ...s, error }));
      },
    );
  }, [session.token, session.viewer]);

  const signIn = (token) => {
    setToken(token);
    setSession({ token: getToken(), viewer: null, error: null, message: null });
  };
  const signOut = () => {
    clearToken();
    setSession({ token: null, viewer: null, error: null, message: null });
    location.hash = "#/";
  };

  if (!session.token) return html`<${SignIn} onToken=${signIn} message=${session.message} />`;
  if (session.error) {
    return html`<div class="signin"><${ErrorBox} error=${session.error} />
      <button onClick=${signOut}>${t("layout.signOut")}</button></div>`;
  }
  if (!session.viewer) return html`<div class="signin"><${Loading} /></div>`;
  return html`<${Layout} pages=${PAGES} viewer=${session.viewer} path=${path} onSignOut=${signOut}>
    <${Routed} viewer=${session.viewer} path=${path} />
  <//>`;
}

await loadMessages();
render(html`<${App} />`, document.getElementById("app"));

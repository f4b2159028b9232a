// Sign-in (not a routed page: app.js shows it while there is no session).
// (a) paste a bearer token from your identity provider; (b) in the demo, pick a
// demo identity: GET /auth/demo-identities, POST /auth/demo-token (404 when off).
import { ApiError, getJson, postJson } from "../lib/api.js";
import { t } from "../lib/i18n.js";
import { html, useEffect, useState } from "../lib/preact.js";
import { ErrorBox, useTitle } from "../lib/ui.js";

/** The role a person is listed under: their most telling role (groups, in this order). */
const ROLE_ORDER = ["admin", "executive", "hr", "head", "manager", "employee"];

export function mainRole(roles) {
  return ROLE_ORDER.find((role) => roles.includes(role)) ?? roles[0] ?? "";
}

function DemoIdentities({ onToken }) {
  const [state, setState] = useState({ identities: null, error: null, off: false });
  const [filter, setFilter] = useState("");
  useEffect(() => {
    getJson("auth/demo-identities").then(
      (body) => setState({ identities: body.identities, error: null, off: false }),
      (error) => setState({ identities: null, error, off: error instanceof ApiError && error.status === 404 }),
    );
  }, []);
  if (state.off) return null;
  if (state.error && !state.identities) return html`<${ErrorBox} error=${state.error} />`;
  if (!state.identities) return html`<p class="muted">${t("common.loading")}</p>`;
  const pickOne = async (email) => {
    try {
      const body = await postJson("auth/demo-token", { email });
      onToken(body.token);
    } catch (error) {
      setState((s) => ({ ...s, error }));
    }
  };
  const shown = state.identities.filter((p) => {
    const text = `${p.name} ${p.email} ${p.roles.join(" ")} ${p.position ?? ""}`.toLowerCase();
    return text.includes(filter.toLowerCase());
  });
  return html`<section class="card">
    <h2>${t("signin.demo.title")}</h2>
    <p class="muted">${t("signin.demo.hint")}</p>
    <${ErrorBox} error=${state.error} />
    <p><input type="text" placeholder=${t("signin.demo.filter")} value=${filter}
      onInput=${(e) => setFilter(e.target.value)} data-test="identity-filter" /></p>
    ${ROLE_ORDER.map((role) => {
      const group = shown.filter((p) => mainRole(p.roles) === role);
      if (!group.length) return null;
      return html`<h3>${t(`role.${role}`)}</h3>
        <div class="identities" data-role=${role}>
          ${group.map(
            (p) => html`<button class="identity" data-email=${p.email} onClick=${() => pickOne(p.email)}>
              <span class="name">${p.name}</span>
              <span class="roles">${p.position ?? p.email}</span>
            </button>`,
          )}
        </div>`;
    })}
  </section>`;
}

export function SignIn({ onToken, message }) {
  const [token, setToken] = useState("");
  useTitle(t("signin.title"));
  return html`<div class="signin">
    <h1>perfloop · ${t("signin.title")}</h1>
    ${message ? html`<${ErrorBox} error=${{ message }} />` : null}
    <${DemoIdentities} onToken=${onToken} />
    <section class="card">
      <h2>${t("signin.token.title")}</h2>
      <p class="muted">${t("signin.token.hint")}</p>
      <form onSubmit=${(e) => { e.preventDefault(); if (token.trim()) onToken(token.trim()); }}>
        <textarea rows="3" value=${token} onInput=${(e) => setToken(e.target.value)} data-test="token-input"></textarea>
        <p><button class="primary" type="submit" data-test="token-submit">${t("signin.token.submit")}</button></p>
      </form>
    </section>
  </div>`;
}

// The console's only way to the server's data: the public GraphQL API.
//
//   const data = await gql(`query { me { user { email } } }`);
//   const payload = await mutate(`mutation($id: ID!) { x(id: $id) { thing { id } errors { code message path } } }`,
//                                { id }, "x");
//
// Both throw an ApiError whose `errors` are [{message, messageZh, code, path, detail, source}]:
// source "graphql" for the response's errors (code = extensions.code, path = the
// response path of the field), "payload" for a mutation payload's `errors` (path =
// where in the input the problem is, as the API's UserError says). errorsAt(err, path)
// finds the ones for one input field, to show next to it. Every API error reads in
// Chinese too (messageZh); errorText(e) is the one of the chosen language. A
// mutation asks for its payload's errors with ${ERROR_FIELDS}.
import { language } from "./i18n.js";
import { getToken } from "./session.js";

/** A payload's errors, as every mutation asks for them. */
export const ERROR_FIELDS = "errors { code message messageZh path detail }";

export const GRAPHQL_URL = new URL("../../graphql", import.meta.url);
export const UNAUTHENTICATED_EVENT = "perfloop:unauthenticated";

export class ApiError extends Error {
  constructor(errors, status = 200) {
    super(errors.map((e) => e.message).join("; ") || `HTTP ${status}`);
    this.name = "ApiError";
    this.errors = errors;
    this.status = status;
  }

  get code() {
    return this.errors[0]?.code ?? null;
  }
}

function fromGraphQL(error) {
  return {
    message: error.message,
    messageZh: error.extensions?.messageZh ?? null,
    code: error.extensions?.code ?? null,
    path: (error.path ?? []).map(String),
    detail: error.extensions?.detail ?? null,
    source: "graphql",
  };
}

/** POST a GraphQL document with the session's bearer token; the response's data. */
export async function gql(query, variables = {}) {
  const headers = { "Content-Type": "application/json", Accept: "application/json" };
  const token = getToken();
  if (token) headers.Authorization = `Bearer ${token}`;
  let response;
  try {
    response = await fetch(GRAPHQL_URL, {
      method: "POST",
      headers,
      body: JSON.stringify({ query, variables }),
    });
  } catch (exc) {
    throw new ApiError([{ message: String(exc), code: "NETWORK", path: [], source: "http" }], 0);
  }
  let body;
  try {
    body = await response.json();
  } catch {
    throw new ApiError([{ message: `HTTP ${response.status}`, code: null, path: [], source: "http" }], response.status);
  }
  const errors = (body.errors ?? []).map(fromGraphQL);
  if (errors.length) {
    if (errors.some((e) => e.code === "UNAUTHENTICATED")) {
      window.dispatchEvent(new CustomEvent(UNAUTHENTICATED_EVENT, { detail: errors[0].message }));
    }
    throw new ApiError(errors, response.status);
  }
  return body.data;
}

/** Run a mutation whose result field is a payload with `errors`; the payload, or an
 * ApiError carrying the payload's errors (source "payload"). */
export async function mutate(query, variables, field) {
  const data = await gql(query, variables);
  const payload = data[field];
  const errors = payload?.errors ?? [];
  if (errors.length) {
    throw new ApiError(
      errors.map((e) => ({ message: e.message, messageZh: e.messageZh ?? null, code: e.code, path: e.path ?? [], detail: e.detail ?? null, source: "payload" })),
    );
  }
  return payload;
}

/** An error's message in the chosen language (the English one when it has no Chinese). */
export function errorText(error) {
  return language() === "zh-CN" && error.messageZh ? error.messageZh : error.message;
}

/** The errors of err whose input path starts with path (["items", "0", "weight"]). */
export function errorsAt(err, path) {
  if (!(err instanceof ApiError)) return [];
  return err.errors.filter(
    (e) => e.source === "payload" && path.every((part, i) => String(e.path[i]) === String(part)),
  );
}

/** POST JSON to a path of this server (the demo sign-in); the JSON answer or an ApiError. */
export async function postJson(path, body) {
  const response = await fetch(new URL(`../../${path}`, import.meta.url), {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify(body),
  });
  return answer(response);
}

export async function getJson(path) {
  return answer(await fetch(new URL(`../../${path}`, import.meta.url)));
}

async function answer(response) {
  const body = await response.json().catch(() => ({}));
  if (!response.ok) {
    const errors = (body.errors ?? [{ message: `HTTP ${response.status}` }]).map(fromGraphQL);
    throw new ApiError(errors, response.status);
  }
  return body;
}

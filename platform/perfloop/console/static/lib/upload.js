// A GraphQL mutation with a file (the GraphQL multipart request spec, as
// docs/api.md "File uploads" says): a multipart/form-data POST of `operations` (the
// query, the file variable null), `map` ({"0": ["variables.<name>"]}) and the file
// as part "0", with the session's bearer token. XMLHttpRequest rather than fetch so
// the upload reports its progress.
//
//   const payload = await uploadMutation(QUERY, { dryRun: true }, "file", file, "importOrgChart",
//                                        (share) => setProgress(share));
//
// Resolves with the payload (data[field]); rejects with an ApiError as gql() does
// (a GraphQL error, an HTTP error such as 413 for a file past the size limit, or the
// network). The payload's own `errors` are left to the caller: an import's counts and
// row errors are worth showing next to them.
import { ApiError, GRAPHQL_URL, UNAUTHENTICATED_EVENT } from "./api.js";
import { getToken } from "./session.js";

function failure(message, code, status) {
  return new ApiError([{ message, code, path: [], detail: null, source: "http" }], status);
}

export function uploadMutation(query, variables, fileVariable, file, field, onProgress) {
  const form = new FormData();
  form.append("operations", JSON.stringify({ query, variables: { ...variables, [fileVariable]: null } }));
  form.append("map", JSON.stringify({ 0: [`variables.${fileVariable}`] }));
  form.append("0", file, file.name);
  return new Promise((resolve, reject) => {
    const request = new XMLHttpRequest();
    request.open("POST", GRAPHQL_URL);
    request.setRequestHeader("Accept", "application/json");
    const token = getToken();
    if (token) request.setRequestHeader("Authorization", `Bearer ${token}`);
    request.upload.onprogress = (event) => {
      if (event.lengthComputable) onProgress?.(event.loaded / event.total);
    };
    request.upload.onload = () => onProgress?.(1);
    request.onerror = () => reject(failure("network error", "NETWORK", 0));
    request.onload = () => {
      let body;
      try {
        body = JSON.parse(request.responseText);
      } catch {
        reject(failure(`HTTP ${request.status}`, null, request.status));
        return;
      }
      const errors = (body.errors ?? []).map((e) => ({
        message: e.message,
        messageZh: e.extensions?.messageZh ?? null,
        code: e.extensions?.code ?? null,
        path: (e.path ?? []).map(String),
        detail: e.extensions?.detail ?? null,
        source: request.status === 200 ? "graphql" : "http",
      }));
      if (errors.length || !body.data) {
        if (errors.some((e) => e.code === "UNAUTHENTICATED")) {
          window.dispatchEvent(new CustomEvent(UNAUTHENTICATED_EVENT, { detail: errors[0].message }));
        }
        reject(errors.length ? new ApiError(errors, request.status) : failure(`HTTP ${request.status}`, null, request.status));
        return;
      }
      resolve(body.data[field]);
    };
    request.send(form);
  });
}

// Downloading a file the server makes for the signed-in person (an export under
// /exports/…): an <a download> cannot send the bearer token, so fetch it with the
// header, then hand the blob to the browser under the name the server gives.
//
//   await download("exports/payouts?cycle=1&format=xlsx", "payouts.xlsx");
import { ApiError } from "./api.js";
import { getToken } from "./session.js";

/** The file name of a Content-Disposition header (filename*=UTF-8'' first), or null. */
export function dispositionName(header) {
  if (!header) return null;
  const star = /filename\*=UTF-8''([^;]+)/i.exec(header);
  if (star) return decodeURIComponent(star[1]);
  const plain = /filename="?([^";]+)"?/i.exec(header);
  return plain ? plain[1] : null;
}

/** GET path (relative to the server's root) with the bearer token and save the answer. */
export async function download(path, fallbackName) {
  const headers = {};
  const token = getToken();
  if (token) headers.Authorization = `Bearer ${token}`;
  const response = await fetch(new URL(`../../${path}`, import.meta.url), { headers });
  if (!response.ok) {
    const body = await response.json().catch(() => ({}));
    const errors = (body.errors ?? [{ message: `HTTP ${response.status}` }]).map((e) => ({
      message: e.message,
      code: e.extensions?.code ?? e.code ?? null,
      path: e.path ?? [],
      source: "http",
    }));
    throw new ApiError(errors, response.status);
  }
  const blob = await response.blob();
  const url = URL.createObjectURL(blob);
  const link = document.createElement("a");
  link.href = url;
  link.download = dispositionName(response.headers.get("Content-Disposition")) ?? fallbackName;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
  return link.download;
}

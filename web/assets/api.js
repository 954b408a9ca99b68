// The one way the pages talk to boka-server: the documented JSON API (docs/http.md), same
// origin, the session in an HttpOnly cookie the page never sees. Every state change carries
// the CSRF token the server hands out in the X-CSRF-Token header (docs/web.md).

let csrfToken = "";

// An answer other than 2xx: `status`, and the problem document (RFC 9457) when there is one.
export class ApiError extends Error {
  constructor(status, problem) {
    const detail = problem && typeof problem === "object" ? problem.detail || problem.title : "";
    super(detail || `HTTP ${status}`);
    this.status = status;
    this.problem = problem && typeof problem === "object" ? problem : {};
  }
}

// Calls `method path` with `body` (a JSON value, or undefined for none). Resolves to the
// parsed JSON answer (null for 204); rejects with ApiError.
export async function api(method, path, body) {
  const headers = { Accept: "application/json" };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (method !== "GET" && method !== "HEAD" && csrfToken) headers["X-CSRF-Token"] = csrfToken;
  const response = await fetch(path, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
    credentials: "same-origin",
    cache: "no-store",
  });
  const token = response.headers.get("X-CSRF-Token");
  if (token) csrfToken = token;
  if (response.status === 204) return null;
  const type = response.headers.get("Content-Type") || "";
  const data = type.includes("json") ? await response.json() : await response.text();
  if (!response.ok) throw new ApiError(response.status, data);
  return data;
}

// Forgets the CSRF token (after logout).
export function forgetSession() {
  csrfToken = "";
}

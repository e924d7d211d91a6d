// The app's one way to call the API: same origin, the login cookie, JSON in and out, and
// the API's error format turned into an `ApiError` whose message a person can act on.
//
// CSRF: the login cookie is SameSite=Strict and the server refuses a state change that
// carries it from another origin (Sec-Fetch-Site / Origin); the app adds nothing secret to
// requests, so no token can leak from the page.
import type { ApiErrorBody } from "./types";

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly hint: string | null,
  ) {
    super(message);
  }
}

/** Called when the API says the login is gone (401), so the app can show the login page. */
let onUnauthorized: () => void = () => {};
export function whenUnauthorized(callback: () => void) {
  onUnauthorized = callback;
}

export async function api<T>(method: string, path: string, body?: unknown): Promise<T> {
  const init: RequestInit = { method, credentials: "same-origin", headers: { accept: "application/json" } };
  if (body instanceof Blob) {
    init.body = body;
    (init.headers as Record<string, string>)["content-type"] = body.type || "application/octet-stream";
  } else if (body !== undefined) {
    init.body = JSON.stringify(body);
    (init.headers as Record<string, string>)["content-type"] = "application/json";
  }
  let response: Response;
  try {
    response = await fetch(path, init);
  } catch {
    throw new ApiError(0, "network", "baton is unreachable: check your connection and try again", null);
  }
  if (response.status === 204) return undefined as T;
  const text = await response.text();
  if (!response.ok) {
    const error = parseError(text);
    if (response.status === 401 && !path.startsWith("/api/auth/login")) onUnauthorized();
    throw new ApiError(response.status, error?.code ?? "http", error?.message ?? `HTTP ${response.status}`, error?.hint ?? null);
  }
  return (text ? JSON.parse(text) : undefined) as T;
}

function parseError(text: string): { code: string; message: string; hint: string | null } | null {
  try {
    const body = JSON.parse(text) as ApiErrorBody;
    const e = body.error as { code?: string; message?: string; hint?: string | null };
    return { code: String(e.code ?? "error"), message: String(e.message ?? "request failed"), hint: e.hint ?? null };
  } catch {
    return null;
  }
}

export const get = <T>(path: string) => api<T>("GET", path);
export const post = <T>(path: string, body?: unknown) => api<T>("POST", path, body ?? {});
export const patch = <T>(path: string, body: unknown) => api<T>("PATCH", path, body);
export const del = <T>(path: string) => api<T>("DELETE", path);

/** Every item of a cursor-paged list. */
export async function all<T>(path: string): Promise<T[]> {
  const items: T[] = [];
  let cursor: string | null = null;
  do {
    const sep = path.includes("?") ? "&" : "?";
    const page: { items: T[]; next_cursor?: string | null } = await get(
      cursor ? `${path}${sep}limit=200&cursor=${encodeURIComponent(cursor)}` : `${path}${sep}limit=200`,
    );
    items.push(...page.items);
    cursor = page.next_cursor ?? null;
  } while (cursor);
  return items;
}

/** A message for a person from any thrown value. */
export function describe(error: unknown): string {
  if (error instanceof ApiError) return error.hint ? `${error.message} (${error.hint})` : error.message;
  return error instanceof Error ? error.message : String(error);
}

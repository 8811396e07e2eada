// The one place that talks HTTP to hostwatch's native API.

/** The hub answered 401: the browser lacks the token cookie. */
export class AuthRequired extends Error {
  constructor() {
    super("this hostwatch needs its access token");
    this.name = "AuthRequired";
  }
}

/** The hub answered with an error document `{"error", "message", "status"}`. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = "ApiError";
  }
}

/** The hub could not be reached at all. */
export class Unreachable extends Error {
  constructor(cause: unknown) {
    super(`hostwatch is unreachable: ${String(cause)}`);
    this.name = "Unreachable";
  }
}

type Query = Record<string, string | number | null | undefined>;

let onAuthRequired: () => void = () => undefined;

/** Registers what happens when any call learns that the token is missing. */
export function setAuthHandler(handler: () => void): void {
  onAuthRequired = handler;
}

/** A same-origin URL for `path` with the non-empty `query` values. */
export function apiUrl(path: string, query: Query = {}): string {
  const url = new URL(path, window.location.origin);
  for (const [key, value] of Object.entries(query)) {
    if (value !== null && value !== undefined && value !== "") url.searchParams.set(key, String(value));
  }
  return url.pathname + url.search;
}

async function errorOf(response: Response): Promise<ApiError> {
  try {
    const body = (await response.json()) as { error?: string; message?: string };
    return new ApiError(response.status, body.error ?? "http_error", body.message ?? response.statusText);
  } catch {
    return new ApiError(response.status, "http_error", response.statusText || `HTTP ${response.status}`);
  }
}

/** GETs a JSON document; throws AuthRequired, ApiError or Unreachable. */
export async function getJson<T>(path: string, query: Query = {}, signal?: AbortSignal): Promise<T> {
  let response: Response;
  try {
    response = await fetch(apiUrl(path, query), {
      headers: { Accept: "application/json" },
      cache: "no-store",
      credentials: "same-origin",
      ...(signal ? { signal } : {}),
    });
  } catch (error) {
    if (signal?.aborted) throw error;
    throw new Unreachable(error);
  }
  if (response.status === 401) {
    onAuthRequired();
    throw new AuthRequired();
  }
  if (!response.ok) throw await errorOf(response);
  return (await response.json()) as T;
}

/** True for the error an aborted fetch throws. */
export function isAbort(error: unknown): boolean {
  return error instanceof DOMException && error.name === "AbortError";
}

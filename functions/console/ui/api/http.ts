// The console's only way to the control plane: same-origin HTTP with the browser's session cookie (when signed
// in) and the session's CSRF token on every change. Errors come back in App Mesh's shape and stay that way.

const CSRF_HEADER = "x-meshplane-csrf";

/** An error answer of the API: its exception name, HTTP status and App Mesh's own message. */
export class ApiError extends Error {
  override readonly name: string;
  readonly status: number;

  constructor(name: string, message: string, status: number) {
    super(message);
    this.name = name;
    this.status = status;
  }

  /** The exception name and message as the AWS CLI prints them. */
  get display(): string {
    return `${this.name}: ${this.message}`;
  }
}

let csrfToken: string | null = null;
const listeners = new Set<(error: ApiError) => void>();

/** Kept in memory only (never in storage): the page learns it again from GET /console/session on load. */
export function setCsrfToken(token: string | null): void {
  csrfToken = token;
}

/** Called for every 401/403 of an expired or missing session, so the console can ask for sign-in again. */
export function onSessionLost(listener: (error: ApiError) => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

const SESSION_LOST = new Set(["MissingAuthenticationTokenException", "ExpiredTokenException", "UnrecognizedClientException"]);

export interface RequestOptions {
  body?: unknown;
  query?: Record<string, string | number | undefined>;
  signal?: AbortSignal;
}

async function errorOf(response: Response): Promise<ApiError> {
  const headerType = response.headers.get("x-amzn-errortype") ?? undefined;
  let message = response.statusText || `HTTP ${response.status}`;
  let type = headerType;
  try {
    const body = (await response.json()) as { __type?: string; message?: string; Message?: string };
    message = body.message ?? body.Message ?? message;
    type ??= body.__type;
  } catch {
    // Not JSON (a proxy's error page): the status line says enough.
  }
  return new ApiError((type ?? `HTTP${response.status}`).split(":")[0]!, message, response.status);
}

const RETRIES_WHEN_THROTTLED = 4;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Sends one request and returns its JSON; throws ApiError for error answers. A TooManyRequestsException (the
 * principal's rate limit, e.g. while the topology describes a large mesh) is retried with back-off, a few times.
 */
export async function request<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await requestOnce<T>(method, path, options);
    } catch (error) {
      if (!(error instanceof ApiError) || error.status !== 429 || attempt >= RETRIES_WHEN_THROTTLED || options.signal?.aborted) throw error;
      await sleep(250 * 2 ** attempt);
    }
  }
}

async function requestOnce<T>(method: string, path: string, options: RequestOptions): Promise<T> {
  const url = new URL(path, location.origin);
  for (const [name, value] of Object.entries(options.query ?? {})) if (value !== undefined && value !== "") url.searchParams.set(name, String(value));
  const headers: Record<string, string> = { accept: "application/json" };
  if (options.body !== undefined) headers["content-type"] = "application/json";
  if (method !== "GET" && method !== "HEAD" && csrfToken) headers[CSRF_HEADER] = csrfToken;
  const response = await fetch(url, {
    method,
    headers,
    credentials: "same-origin",
    ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
  });
  if (!response.ok) {
    const error = await errorOf(response);
    if (SESSION_LOST.has(error.name)) listeners.forEach((listener) => listener(error));
    throw error;
  }
  const text = await response.text();
  return (text === "" ? {} : JSON.parse(text)) as T;
}

export const errorText = (error: unknown): string => (error instanceof ApiError ? error.display : error instanceof Error ? error.message : String(error));

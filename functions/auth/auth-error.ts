// Authentication failures, named as AWS services name them so that botocore, awscli and the JS SDK print them
// sensibly. They are not App Mesh model errors (the model has no shape for them), so they get their own closed set
// and their own renderer, in the same wire format as `renderError` (x-amzn-ErrorType + {"__type","message"}).
import type { Context } from "hono";

export const authErrorStatus = {
  /** No signature at all (AWS answers "Missing Authentication Token"). */
  MissingAuthenticationTokenException: 403,
  /** A signature whose fields are missing or malformed. */
  IncompleteSignatureException: 400,
  /** Well-formed but wrong: bad signature, expired date, wrong service or scope. */
  InvalidSignatureException: 403,
  /** The access key id (or session token) is unknown. */
  UnrecognizedClientException: 403,
  /** A console session past its expiry, or signed out. */
  ExpiredTokenException: 403,
  /** A change sent with a console session but without its CSRF token, or from another origin. */
  InvalidCsrfTokenException: 403,
} as const satisfies Record<string, number>;

export type AuthErrorName = keyof typeof authErrorStatus;

const brand = Symbol.for("meshplane.AuthError");

export class AuthError extends Error {
  readonly [brand] = true;
  override readonly name: AuthErrorName;

  constructor(name: AuthErrorName, message: string) {
    super(message);
    this.name = name;
  }

  get status(): number {
    return authErrorStatus[this.name];
  }

  static is(value: unknown): value is AuthError {
    return typeof value === "object" && value !== null && (value as Record<symbol, unknown>)[brand] === true;
  }
}

/** Renders an authentication failure like every other API error. */
export function renderAuthError(c: Context, error: AuthError): Response {
  c.header("x-amzn-ErrorType", error.name);
  return c.json({ __type: error.name, message: error.message }, error.status as 403);
}

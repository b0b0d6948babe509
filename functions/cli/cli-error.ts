// Exit statuses and the CLI's one error: what failed, said once, in words a user acts on. Every command maps
// whatever it catches through `describeFailure`, so input errors name file, document, line and field, and API
// refusals name App Mesh's exception.
import { MigrateError } from "../migrate/index.js";

/**
 * 0 success, 1 failure, 2 usage error; 3 is the "detailed" answer a script branches on, as `terraform plan
 * -detailed-exitcode` does: `diff` found differences, `explain` found nothing that serves the request.
 */
export const exitCodes = { success: 0, failure: 1, usage: 2, differences: 3, notServed: 3 } as const;

const brand = Symbol.for("meshplane.CliFailure");

/** A failure the CLI reports as its message alone (no stack), with exit status 1 unless told otherwise. */
export class CliFailure extends Error {
  readonly [brand] = true;
  override readonly name = "CliFailure";

  constructor(
    message: string,
    readonly exitCode: number = exitCodes.failure,
  ) {
    super(message);
  }

  static is(value: unknown): value is CliFailure {
    return typeof value === "object" && value !== null && (value as Record<symbol, unknown>)[brand] === true;
  }
}

const apiBrand = Symbol.for("meshplane.AppMeshApiError");

/** App Mesh's refusal of a call: `name` is the exception (`NotFoundException`, …), `message` App Mesh's message. */
export class AppMeshApiError extends Error {
  readonly [apiBrand] = true;

  constructor(
    override readonly name: string,
    message: string,
    /** The HTTP status of the answer. */
    readonly status: number,
  ) {
    super(message);
  }

  static is(value: unknown): value is AppMeshApiError {
    return typeof value === "object" && value !== null && (value as Record<symbol, unknown>)[apiBrand] === true;
  }
}

/** True for App Mesh's NotFoundException (a resource that does not exist, or no longer). */
export const isNotFound = (error: unknown): boolean => AppMeshApiError.is(error) && error.name === "NotFoundException";

/** The one line a failure is reported as. */
export function describeFailure(error: unknown): string {
  if (MigrateError.is(error)) return error.describe();
  if (CliFailure.is(error)) return error.message;
  const unreachable = unreachableEndpoint(error);
  if (unreachable) return unreachable;
  if (AppMeshApiError.is(error)) return `${error.name}: ${error.message}`;
  if (error instanceof Error && error.name === "CredentialsProviderError") {
    return `no AWS credentials (${error.message}): set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or pass --profile; a meshplane without authentication accepts any values`;
  }
  if (error instanceof Error) return error.message;
  return String(error);
}

const connectionFailures: Record<string, string> = {
  ECONNREFUSED: "connection refused",
  ENOTFOUND: "host not found",
  EHOSTUNREACH: "host unreachable",
  ETIMEDOUT: "connection timed out",
};

/** A socket that never connected says so with the address, and where the CLI took the endpoint from. */
function unreachableEndpoint(error: unknown): string | undefined {
  if (!(error instanceof Error)) return undefined;
  const { code, address, port, hostname } = error as Error & { code?: string; address?: string; port?: number; hostname?: string };
  const reason = code ? connectionFailures[code] : undefined;
  if (!reason) return undefined;
  const where = [hostname ?? address, port].filter((part) => part !== undefined).join(":");
  return `cannot reach meshplane${where ? ` at ${where}` : ""}: ${reason} (the endpoint comes from --endpoint, else AWS_ENDPOINT_URL_APP_MESH, else AWS_ENDPOINT_URL)`;
}

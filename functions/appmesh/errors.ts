// The App Mesh error model: one error class named by one of the API's ten exception shapes, whose name alone
// picks the HTTP status (the status each shape has in the model).
import { StoreError } from "../../db/store-errors.js";

import { AppMeshErrorStatus, type AppMeshErrorName } from "./model/errors.generated.js";

export type { AppMeshErrorName };

/** The status of each of the ten exception shapes, as the model gives it. */
export const appMeshErrorStatus = AppMeshErrorStatus;

const brand = Symbol.for("meshplane.AppMeshError");

/** The retry hint of a 503: long enough for a PostgreSQL failover or a busy SQLite file, short for a person waiting. */
export const SERVICE_UNAVAILABLE_RETRY_SECONDS = 2;

export class AppMeshError extends Error {
  readonly [brand] = true;
  override readonly name: AppMeshErrorName;

  /** Seconds after which a retry may succeed (the `Retry-After` header); set for ServiceUnavailableException. */
  readonly retryAfterSeconds: number | undefined;

  constructor(name: AppMeshErrorName, message: string, options?: { cause?: unknown; retryAfterSeconds?: number }) {
    super(message, options);
    this.name = name;
    this.retryAfterSeconds = options?.retryAfterSeconds;
  }

  get status(): number {
    return appMeshErrorStatus[this.name];
  }

  /** True for errors made by any copy of this module (bundles, Workers), not only this one. */
  static is(value: unknown): value is AppMeshError {
    return typeof value === "object" && value !== null && (value as Record<symbol, unknown>)[brand] === true;
  }

  /**
   * Any thrown value as an AppMeshError. A database that cannot answer now is App Mesh's ServiceUnavailableException
   * with a retry hint (the SDKs retry 503s by themselves); every other unknown failure becomes a generic internal
   * error, the original kept as `cause`.
   */
  static from(value: unknown): AppMeshError {
    if (AppMeshError.is(value)) return value;
    if (StoreError.is(value) && value.kind === "unavailable") {
      return new AppMeshError("ServiceUnavailableException", "The database is unavailable right now. Retry the request in a few seconds; a write retried with the same clientToken is applied at most once.", {
        cause: value,
        retryAfterSeconds: SERVICE_UNAVAILABLE_RETRY_SECONDS,
      });
    }
    return new AppMeshError("InternalServerErrorException", "The request processing has failed because of an unknown error.", { cause: value });
  }
}

export const badRequest = (message: string) => new AppMeshError("BadRequestException", message);
export const notFound = (message: string) => new AppMeshError("NotFoundException", message);
export const conflict = (message: string) => new AppMeshError("ConflictException", message);
export const resourceInUse = (message: string) => new AppMeshError("ResourceInUseException", message);
export const limitExceeded = (message: string) => new AppMeshError("LimitExceededException", message);

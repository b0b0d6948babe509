// The App Mesh error model: one error class named by one of the API's ten exception shapes, whose name alone
// picks the HTTP status (the status each shape has in the model).

import { AppMeshErrorStatus, type AppMeshErrorName } from "./model/errors.generated.js";

export type { AppMeshErrorName };

/** The status of each of the ten exception shapes, as the model gives it. */
export const appMeshErrorStatus = AppMeshErrorStatus;

const brand = Symbol.for("meshplane.AppMeshError");

export class AppMeshError extends Error {
  readonly [brand] = true;
  override readonly name: AppMeshErrorName;

  constructor(name: AppMeshErrorName, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = name;
  }

  get status(): number {
    return appMeshErrorStatus[this.name];
  }

  /** True for errors made by any copy of this module (bundles, Workers), not only this one. */
  static is(value: unknown): value is AppMeshError {
    return typeof value === "object" && value !== null && (value as Record<symbol, unknown>)[brand] === true;
  }

  /** Any thrown value as an AppMeshError; unknown failures become a generic internal error, the original kept as `cause`. */
  static from(value: unknown): AppMeshError {
    if (AppMeshError.is(value)) return value;
    return new AppMeshError("InternalServerErrorException", "The request processing has failed because of an unknown error.", { cause: value });
  }
}

export const badRequest = (message: string) => new AppMeshError("BadRequestException", message);
export const notFound = (message: string) => new AppMeshError("NotFoundException", message);
export const conflict = (message: string) => new AppMeshError("ConflictException", message);
export const resourceInUse = (message: string) => new AppMeshError("ResourceInUseException", message);
export const limitExceeded = (message: string) => new AppMeshError("LimitExceededException", message);

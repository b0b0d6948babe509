// The error every AWS stand-in throws: named by one of its model's exception shapes, whose name alone picks the HTTP
// status through the service's generated table (errors.generated.ts). Extra members of the exception shape (Cloud
// Map's NamespaceId, DuplicateOperationId, …) travel beside `message` in the JSON body.

const brand = Symbol.for("meshplane.AwsServiceError");

export class AwsServiceError extends Error {
  readonly [brand] = true;
  /** The exception shape's name, sent as `__type` and `x-amzn-ErrorType`. */
  readonly code: string;
  readonly status: number;
  /** Modeled members of the exception besides the message. */
  readonly fields: Readonly<Record<string, unknown>>;

  constructor(code: string, status: number, message: string, fields: Record<string, unknown> = {}, options?: { cause?: unknown }) {
    super(message, options);
    this.name = code;
    this.code = code;
    this.status = status;
    this.fields = fields;
  }

  /** True for errors made by any copy of this module (bundles, Workers), not only this one. */
  static is(value: unknown): value is AwsServiceError {
    return typeof value === "object" && value !== null && (value as Record<symbol, unknown>)[brand] === true;
  }
}

/**
 * The error constructor of one service, over its generated status table, so a name the model does not define does
 * not compile.
 * @example
 *   const cloudMapError = createErrorFactory(ServiceDiscoveryErrorStatus);
 *   throw cloudMapError("NamespaceNotFound", "No namespace ns-1234 exists.");
 */
export function createErrorFactory<Name extends string>(statuses: Readonly<Record<Name, number>>) {
  return (name: Name, message: string, fields?: Record<string, unknown>): AwsServiceError => new AwsServiceError(name, statuses[name], message, fields);
}

/** Errors of the protocol itself, the same for every JSON service (what AWS's front ends answer). */
export const protocolError = {
  unknownOperation: (target: string) => new AwsServiceError("UnknownOperationException", 400, `The operation ${target} is not known here.`),
  notImplemented: (target: string) => new AwsServiceError("UnknownOperationException", 400, `meshplane does not implement ${target}.`),
  serialization: (message: string) => new AwsServiceError("SerializationException", 400, message),
  internal: (cause: unknown) => new AwsServiceError("InternalFailure", 500, "The request processing has failed because of an unknown error.", {}, { cause }),
};

// Renders every failure as App Mesh does: the model's status, `x-amzn-ErrorType` and a
// `{"__type","message"}` body, which botocore, awscli and the JS SDK all map to the modeled exception.
import type { Context } from "hono";
import { AppMeshError } from "../appmesh/index.js";

export function renderError(c: Context, error: unknown): Response {
  const appMeshError = AppMeshError.from(error);
  if (appMeshError.name === "InternalServerErrorException") {
    console.error("meshplane: internal error", appMeshError.cause ?? appMeshError);
  } else if (appMeshError.name === "ServiceUnavailableException" && appMeshError.cause) {
    console.warn(`meshplane: answered 503: ${appMeshError.cause instanceof Error ? appMeshError.cause.message : String(appMeshError.cause)}`);
  }
  c.header("x-amzn-ErrorType", appMeshError.name);
  if (appMeshError.retryAfterSeconds !== undefined) c.header("Retry-After", String(appMeshError.retryAfterSeconds));
  return c.json({ __type: appMeshError.name, message: appMeshError.message }, appMeshError.status as 400);
}

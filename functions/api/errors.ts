// Renders every failure as App Mesh does: the model's status, `x-amzn-ErrorType` and a
// `{"__type","message"}` body, which botocore, awscli and the JS SDK all map to the modeled exception.
import type { Context } from "hono";
import { AppMeshError } from "../appmesh/index.js";

export function renderError(c: Context, error: unknown): Response {
  const appMeshError = AppMeshError.from(error);
  if (appMeshError.name === "InternalServerErrorException") {
    console.error("meshplane: internal error", appMeshError.cause ?? appMeshError);
  }
  c.header("x-amzn-ErrorType", appMeshError.name);
  return c.json({ __type: appMeshError.name, message: appMeshError.message }, appMeshError.status as 400);
}

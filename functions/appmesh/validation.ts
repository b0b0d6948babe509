// Validation driven by the App Mesh model (the shared model-driven validator of functions/aws/shared, over
// model.generated.ts): refusals are App Mesh's BadRequestException naming the offending path, and validated values
// carry the model's types. This is where untrusted input becomes typed.
import { createShapeValidator, joinPath } from "../aws/shared/index.js";
import { badRequest } from "./errors.js";
import { operations, shapes, type ModelShape } from "./model/model.generated.js";
import type { AppMeshOperationName, AppMeshOperations } from "./model/operations.generated.js";
import type { AppMeshShapeName, AppMeshShapeTypes } from "./model/types.generated.js";

export { joinPath };

const validator = createShapeValidator({ operations, shapes }, badRequest);

export function modelShape(name: string): ModelShape {
  return validator.shape(name) as ModelShape;
}

/**
 * Checks `value` against model shape `shapeName` and returns a copy holding only modeled members
 * (`null` counts as absent), typed as the shape. Throws a BadRequestException naming the offending path.
 *
 * @example validateShape("VirtualNodeSpec", body.spec, "spec") // → VirtualNodeSpec
 */
export function validateShape<Shape extends AppMeshShapeName>(shapeName: Shape, value: unknown, path: string): AppMeshShapeTypes[Shape];
/** The same for a shape named at run time: the result's type is the caller's to know. */
export function validateShape(shapeName: string, value: unknown, path: string): unknown;
export function validateShape(shapeName: string, value: unknown, path: string): unknown {
  return validator.validateShape(shapeName, value, path);
}

/**
 * Checks an operation's input (URI, query and body members in one object) against the operation's input shape.
 *
 * @example validateOperationInput("CreateMesh", { meshName: "m" }) // → CreateMeshInput
 */
export function validateOperationInput<Operation extends AppMeshOperationName>(operation: Operation, input: unknown): AppMeshOperations[Operation]["input"] {
  // The generator takes each operation's input type from the same input shape, so the validated value is one.
  return validator.validateOperationInput(operation, input) as AppMeshOperations[Operation]["input"];
}

// Validation driven by the App Mesh model: every member, type, required list, length, range, pattern, enum,
// list size and tagged union comes from model.generated.ts, never from hand-copied rules. Members the model
// does not define are dropped, so only modeled data is ever stored. This is where untrusted input becomes typed.
import { badRequest } from "./errors.js";
import { operations, shapes, type ModelShape } from "./model/model.generated.js";
import type { AppMeshOperationName, AppMeshOperations } from "./model/operations.generated.js";
import type { AppMeshShapeName, AppMeshShapeTypes } from "./model/types.generated.js";

const compiledPatterns = new Map<string, RegExp>();

const isShapeName = (name: string): name is AppMeshShapeName => Object.hasOwn(shapes, name);

export function modelShape(name: string): ModelShape {
  if (!isShapeName(name)) throw new Error(`unknown model shape ${name}`);
  return shapes[name];
}

/** Renders a path like `spec.listeners[0].portMapping.port`. */
export function joinPath(path: string, member: string | number): string {
  if (typeof member === "number") return `${path}[${member}]`;
  return path === "" ? member : `${path}.${member}`;
}

const describe = (value: unknown): string => {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
};

const fail = (path: string, value: unknown, constraint: string) =>
  badRequest(`1 validation error detected: Value ${describe(value)} at '${path}' failed to satisfy constraint: ${constraint}`);

/** String length as the model counts it: in code points, not UTF-16 units. */
const codePointLength = (text: string) => {
  let length = 0;
  for (const _ of text) length++;
  return length;
};

/** AWS's wording: "Member must have length less than or equal to 255", "… value greater than or equal to 0". */
function checkBounds(path: string, value: unknown, size: number, shape: ModelShape, what: string): void {
  if (shape.min !== undefined && size < shape.min) throw fail(path, value, `${what} greater than or equal to ${shape.min}`);
  if (shape.max !== undefined && size > shape.max) throw fail(path, value, `${what} less than or equal to ${shape.max}`);
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
  const shape = modelShape(shapeName);
  switch (shape.type) {
    case "string": {
      if (typeof value !== "string") throw fail(path, value, "Member must be a string");
      if (shape.enum && !shape.enum.includes(value)) throw fail(path, value, `Member must satisfy enum value set: [${shape.enum.join(", ")}]`);
      checkBounds(path, value, codePointLength(value), shape, "Member must have length");
      if (shape.pattern) {
        let pattern = compiledPatterns.get(shape.pattern);
        if (!pattern) compiledPatterns.set(shape.pattern, (pattern = new RegExp(shape.pattern)));
        if (!pattern.test(value)) throw fail(path, value, `Member must satisfy regular expression pattern: ${shape.pattern}`);
      }
      return value;
    }
    case "integer":
    case "long": {
      if (typeof value !== "number" || !Number.isInteger(value)) throw fail(path, value, "Member must be an integer");
      if (shape.type === "integer" && (value > 2147483647 || value < -2147483648)) throw fail(path, value, "Member must fit in a 32-bit integer");
      checkBounds(path, value, value, shape, "Member must have value");
      return value;
    }
    case "boolean":
      if (typeof value !== "boolean") throw fail(path, value, "Member must be a boolean");
      return value;
    case "list": {
      if (!Array.isArray(value)) throw fail(path, value, "Member must be a list");
      checkBounds(path, value, value.length, shape, "Member must have length");
      return value.map((item, index) => {
        const itemPath = joinPath(path, index);
        if (item === null || item === undefined) throw fail(itemPath, item, "Member must not be null");
        return validateShape(shape.member!.shape, item, itemPath);
      });
    }
    case "structure":
      return validateStructure(shapeName, shape, value, path);
    default:
      throw fail(path, value, `Member of type ${shape.type} is not accepted as input`);
  }
}

/**
 * Checks an operation's input (URI, query and body members in one object) against the operation's input shape.
 *
 * @example validateOperationInput("CreateMesh", { meshName: "m" }) // → CreateMeshInput
 */
export function validateOperationInput<Operation extends AppMeshOperationName>(operation: Operation, input: unknown): AppMeshOperations[Operation]["input"] {
  const shapeName = operations[operation].input;
  // The generator takes each operation's input type from the same input shape, so the validated value is one.
  return (shapeName === undefined ? {} : validateShape(shapeName, input, "")) as AppMeshOperations[Operation]["input"];
}

function validateStructure(shapeName: string, shape: ModelShape, value: unknown, path: string): Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw fail(path, value, "Member must be an object");
  const input = value as Record<string, unknown>;
  const output: Record<string, unknown> = {};
  const members = shape.members ?? {};
  for (const [name, member] of Object.entries(members)) {
    const memberValue = input[name];
    if (memberValue === undefined || memberValue === null) continue;
    output[name] = validateShape(member.shape, memberValue, joinPath(path, name));
  }
  for (const name of shape.required ?? []) {
    if (output[name] === undefined) throw fail(joinPath(path, name), null, "Member must not be null");
  }
  if (shape.union) {
    const set = Object.keys(output);
    if (set.length !== 1) {
      const names = Object.keys(members).join(", ");
      throw badRequest(
        `${path || shapeName} must have exactly one of [${names}] set; ${set.length === 0 ? "none was" : `${set.length} were (${set.join(", ")})`}.`,
      );
    }
  }
  return output;
}

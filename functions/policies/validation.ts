// Validation driven by the policy model (model/policy-model.ts): every member, type, bound, pattern, enum, required
// member and tagged union comes from the model. Unlike App Mesh's specs, unknown members are refused rather than
// dropped: a misspelt policy field silently ignored would leave traffic unprotected. Untrusted input becomes typed here.
import { AppMeshError } from "../appmesh/index.js";
import type { Shape, StructureShape, ValueOf } from "./model/shapes.js";

const describe = (value: unknown): string => {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
};

const fail = (path: string, value: unknown, constraint: string) =>
  new AppMeshError("BadRequestException", `1 validation error detected: Value ${describe(value)} at '${path}' failed to satisfy constraint: ${constraint}`);

export const joinPath = (path: string, member: string | number): string => (typeof member === "number" ? `${path}[${member}]` : path === "" ? member : `${path}.${member}`);

const codePoints = (text: string): number => {
  let length = 0;
  for (const _ of text) length++;
  return length;
};

function checkBounds(path: string, value: unknown, size: number, bounds: { min?: number; max?: number }, what: string): void {
  const { min, max } = bounds;
  const range = min !== undefined && max !== undefined ? `between ${min} and ${max}` : min !== undefined ? `at least ${min}` : `at most ${max}`;
  if ((min !== undefined && size < min) || (max !== undefined && size > max)) throw fail(path, value, `${what} ${range}`);
}

const patterns = new Map<string, RegExp>();

function validateValue(shape: Shape, value: unknown, path: string): unknown {
  switch (shape.type) {
    case "string": {
      if (typeof value !== "string") throw fail(path, value, "Member must be a string");
      if (shape.enum && !shape.enum.includes(value)) throw fail(path, value, `Member must satisfy enum value set: [${shape.enum.join(", ")}]`);
      checkBounds(path, value, codePoints(value), shape, "Member must have length");
      if (shape.pattern) {
        let pattern = patterns.get(shape.pattern);
        if (!pattern) patterns.set(shape.pattern, (pattern = new RegExp(shape.pattern, "u")));
        if (!pattern.test(value)) throw fail(path, value, `Member must be ${shape.patternText ?? `matched by ${shape.pattern}`}`);
      }
      return value;
    }
    case "integer":
      if (typeof value !== "number" || !Number.isInteger(value)) throw fail(path, value, "Member must be an integer");
      checkBounds(path, value, value, shape, "Member must have value");
      return value;
    case "number": {
      if (typeof value !== "number" || !Number.isFinite(value)) throw fail(path, value, "Member must be a number");
      checkBounds(path, value, value, shape, "Member must have value");
      const scaled = value * 10 ** shape.decimals;
      if (Math.abs(scaled - Math.round(scaled)) > 1e-6) throw fail(path, value, `Member must have at most ${shape.decimals} decimals`);
      return value;
    }
    case "boolean":
      if (typeof value !== "boolean") throw fail(path, value, "Member must be a boolean");
      return value;
    case "list":
      if (!Array.isArray(value)) throw fail(path, value, "Member must be a list");
      checkBounds(path, value, value.length, shape, "Member must have length");
      return value.map((item, index) => {
        if (item === null || item === undefined) throw fail(joinPath(path, index), item, "Member must not be null");
        return validateValue(shape.member, item, joinPath(path, index));
      });
    case "json": {
      if (typeof value !== "object" || value === null || Array.isArray(value)) throw fail(path, value, "Member must be a JSON object");
      const size = new TextEncoder().encode(JSON.stringify(value)).length;
      if (size > shape.maxBytes) throw fail(path, "…", `Member must be at most ${shape.maxBytes} bytes of JSON`);
      return value;
    }
    case "structure":
      return validateStructure(shape, value, path);
  }
}

function validateStructure(shape: StructureShape, value: unknown, path: string): Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw fail(path || shape.name, value, "Member must be an object");
  const input = value as Record<string, unknown>;
  const members = Object.keys(shape.members);
  for (const name of Object.keys(input)) {
    if (!Object.hasOwn(shape.members, name)) {
      throw new AppMeshError("BadRequestException", `'${joinPath(path, name)}' is not a member of ${shape.name}; its members are [${members.join(", ")}].`);
    }
  }
  const output: Record<string, unknown> = {};
  for (const name of members) {
    const memberValue = input[name];
    if (memberValue === undefined || memberValue === null) continue;
    output[name] = validateValue(shape.members[name]!, memberValue, joinPath(path, name));
  }
  for (const name of shape.required) if (output[name] === undefined) throw fail(joinPath(path, name), null, "Member must not be null");
  if (shape.union) {
    const set = Object.keys(output);
    if (set.length !== 1) {
      throw new AppMeshError(
        "BadRequestException",
        `'${path || shape.name}' must have exactly one of [${members.join(", ")}] set; ${set.length === 0 ? "none was" : `${set.length} were (${set.join(", ")})`}.`,
      );
    }
  }
  return output;
}

/**
 * Checks untrusted `value` against `shape` and returns a copy holding only modeled members, typed by the shape.
 * Throws BadRequestException naming the offending member's path.
 * @example validateModel(policyInput, body, "") // → PolicyInput
 */
export function validateModel<S extends Shape>(shape: S, value: unknown, path: string): ValueOf<S> {
  return validateValue(shape, value, path) as ValueOf<S>;
}

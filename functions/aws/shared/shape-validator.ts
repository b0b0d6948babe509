// Validation driven by a botocore model: every member, type, required list, length, range, pattern, enum, list and
// map size and tagged union comes from the service's model.generated.ts, never from hand-copied rules. Members the
// model does not define are dropped, so only modeled data is ever stored. This is where untrusted input becomes
// typed, for the App Mesh API and for every stand-in in functions/aws/ alike; each service chooses the error a
// refusal becomes (App Mesh's BadRequestException, Cloud Map's InvalidInput, ACM's ValidationException, …).
import type { ModelShape, ServiceModel } from "./model.js";

/** Renders a path like `spec.listeners[0].portMapping.port`. */
export function joinPath(path: string, member: string | number): string {
  if (typeof member === "number") return `${path}[${member}]`;
  return path === "" ? member : `${path}.${member}`;
}

const describe = (value: unknown): string => {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
};

/** String length as the model counts it: in code points, not UTF-16 units. */
const codePointLength = (text: string) => {
  let length = 0;
  for (const _ of text) length++;
  return length;
};

const base64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** Bytes a base64 text decodes to (its validity checked by the caller). */
const base64Length = (text: string) => (text.length / 4) * 3 - (text.endsWith("==") ? 2 : text.endsWith("=") ? 1 : 0);

export interface ShapeValidator {
  /**
   * Checks `value` against shape `shapeName` and returns a copy holding only modeled members (`null` counts as
   * absent). Throws the service's validation error naming the offending path; a plain Error for a shape the model
   * does not define (a programming error, not bad input).
   */
  validateShape(shapeName: string, value: unknown, path: string): unknown;
  /** Checks an operation's whole input (URI, query and body members in one object) against its input shape. */
  validateOperationInput(operation: string, input: unknown): Record<string, unknown>;
  /** The shape of that name; throws for one the model does not define. */
  shape(name: string): ModelShape;
}

/**
 * A validator over one service's model. `refuse` turns a message into the error the service sends for bad input.
 *
 * @example
 *   const validator = createShapeValidator({ operations, shapes }, (message) => new CloudMapError("InvalidInput", message));
 *   validator.validateOperationInput("CreateHttpNamespace", { Name: "apps.local" }); // → { Name: "apps.local" }
 */
export function createShapeValidator(model: ServiceModel, refuse: (message: string) => Error): ShapeValidator {
  const patterns = new Map<string, RegExp>();

  const fail = (path: string, value: unknown, constraint: string) =>
    refuse(`1 validation error detected: Value ${describe(value)} at '${path}' failed to satisfy constraint: ${constraint}`);

  function shapeOf(name: string): ModelShape {
    if (!Object.hasOwn(model.shapes, name)) throw new Error(`unknown model shape ${name}`);
    return model.shapes[name]!;
  }

  /** Models write patterns for Java; `\p{…}` classes need JavaScript's unicode mode, which the others must not get. */
  function patternOf(source: string): RegExp {
    let pattern = patterns.get(source);
    if (!pattern) patterns.set(source, (pattern = new RegExp(source, source.includes("\\p{") ? "u" : "")));
    return pattern;
  }

  /** AWS's wording: "Member must have length less than or equal to 255", "… value greater than or equal to 0". */
  function checkBounds(path: string, value: unknown, size: number, shape: ModelShape, what: string): void {
    if (shape.min !== undefined && size < shape.min) throw fail(path, value, `${what} greater than or equal to ${shape.min}`);
    if (shape.max !== undefined && size > shape.max) throw fail(path, value, `${what} less than or equal to ${shape.max}`);
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
        throw refuse(`${path || shapeName} must have exactly one of [${names}] set; ${set.length === 0 ? "none was" : `${set.length} were (${set.join(", ")})`}.`);
      }
    }
    return output;
  }

  function validateMap(shape: ModelShape, value: unknown, path: string): Record<string, unknown> {
    if (typeof value !== "object" || value === null || Array.isArray(value)) throw fail(path, value, "Member must be a map");
    const entries = Object.entries(value as Record<string, unknown>);
    checkBounds(path, value, entries.length, shape, "Member must have length");
    const output: Record<string, unknown> = {};
    for (const [key, item] of entries) {
      const itemPath = joinPath(path, key);
      validateShape(shape.key!.shape, key, itemPath);
      if (item === null || item === undefined) throw fail(itemPath, item, "Member must not be null");
      output[key] = validateShape(shape.value!.shape, item, itemPath);
    }
    return output;
  }

  function validateShape(shapeName: string, value: unknown, path: string): unknown {
    const shape = shapeOf(shapeName);
    switch (shape.type) {
      case "string": {
        if (typeof value !== "string") throw fail(path, value, "Member must be a string");
        if (shape.enum && !shape.enum.includes(value)) throw fail(path, value, `Member must satisfy enum value set: [${shape.enum.join(", ")}]`);
        checkBounds(path, value, codePointLength(value), shape, "Member must have length");
        if (shape.pattern && !patternOf(shape.pattern).test(value)) throw fail(path, value, `Member must satisfy regular expression pattern: ${shape.pattern}`);
        return value;
      }
      case "integer":
      case "long": {
        if (typeof value !== "number" || !Number.isInteger(value)) throw fail(path, value, "Member must be an integer");
        if (shape.type === "integer" && (value > 2147483647 || value < -2147483648)) throw fail(path, value, "Member must fit in a 32-bit integer");
        if (!Number.isSafeInteger(value)) throw fail(path, value, "Member must be an integer of at most 53 bits");
        checkBounds(path, value, value, shape, "Member must have value");
        return value;
      }
      case "float":
      case "double":
        if (typeof value !== "number" || !Number.isFinite(value)) throw fail(path, value, "Member must be a number");
        checkBounds(path, value, value, shape, "Member must have value");
        return value;
      case "boolean":
        if (typeof value !== "boolean") throw fail(path, value, "Member must be a boolean");
        return value;
      case "timestamp": {
        // JSON protocols send epoch seconds (botocore, the SDKs); ISO-8601 text is accepted too. Epoch seconds out.
        const seconds = typeof value === "number" ? value : typeof value === "string" ? Date.parse(value) / 1000 : Number.NaN;
        if (!Number.isFinite(seconds)) throw fail(path, value, "Member must be a timestamp (epoch seconds)");
        return seconds;
      }
      case "blob": {
        // Blobs travel base64-encoded in JSON; the model's bounds count decoded bytes. The text is returned as sent.
        if (typeof value !== "string" || !base64.test(value)) throw fail(path, value, "Member must be base64-encoded bytes");
        checkBounds(path, value, base64Length(value), shape, "Member must have length");
        return value;
      }
      case "list": {
        if (!Array.isArray(value)) throw fail(path, value, "Member must be a list");
        checkBounds(path, value, value.length, shape, "Member must have length");
        return value.map((item, index) => {
          const itemPath = joinPath(path, index);
          if (item === null || item === undefined) throw fail(itemPath, item, "Member must not be null");
          return validateShape(shape.member!.shape, item, itemPath);
        });
      }
      case "map":
        return validateMap(shape, value, path);
      case "structure":
        return validateStructure(shapeName, shape, value, path);
      default:
        throw fail(path, value, `Member of type ${shape.type} is not accepted as input`);
    }
  }

  return {
    validateShape,
    shape: shapeOf,
    validateOperationInput(operation, input) {
      if (!Object.hasOwn(model.operations, operation)) throw new Error(`unknown model operation ${operation}`);
      const shapeName = model.operations[operation]!.input;
      return shapeName === undefined ? {} : (validateShape(shapeName, input, "") as Record<string, unknown>);
    },
  };
}

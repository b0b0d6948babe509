// Maps a spec written in an input format onto the App Mesh model, shape by shape: each format only says how it
// spells the model's members (CloudFormation `TLS` for `tls`, Kubernetes `certificateARN` for `certificateArn`)
// and how it writes references; structure, lists and scalar types come from the model. Strings become numbers
// or booleans where the model wants those (`Port: !Sub "${Port}"`), numbers become strings where it wants
// strings. Unknown fields are errors naming the field. Then the model's own validation (the same code the API
// runs) checks the result, and its complaints are traced back to the line they come from.
import { AppMeshError, appMeshShapes, validateShape } from "../appmesh/index.js";
import { MigrateError } from "./migrate-error.js";
import type { Origins } from "./source.js";

interface ModelShape {
  type: string;
  members?: Readonly<Record<string, { shape: string }>>;
  member?: { shape: string };
}

const shapes = appMeshShapes as unknown as Readonly<Record<string, ModelShape>>;

export function modelShape(name: string): ModelShape {
  const shape = shapes[name];
  if (!shape) throw new Error(`unknown model shape ${name}`);
  return shape;
}

/** How a format spells the model's structure members. */
export interface FieldNaming {
  /** The model member that `key` stands for in structure `shape`, or undefined when the format has no such key. */
  toModel(shape: string, key: string): string | undefined;
  /** How the format spells model member `member` of `shape`. */
  fromModel(shape: string, member: string): string;
}

/** Where a value sits: in `container` under `key` (for scalars, which carry no origin of their own). */
export interface ValueSite {
  container: unknown;
  key: string | number;
}

export interface ModelMappingOptions {
  naming: FieldNaming;
  origins: Origins;
  /**
   * Conversions for shapes a format writes differently (Kubernetes references to other objects). A hook gets
   * the source value and returns the model's value; `mapDefault` maps it the generic way.
   */
  hooks?: Partial<Record<string, (value: unknown, site: ValueSite, mapDefault: (value: unknown) => unknown) => unknown>>;
  /** Values passed through untouched (CloudFormation values known only after apply). */
  isOpaque?: (value: unknown) => boolean;
}

export interface ModelMapper {
  /** The value in the model's shape `shapeName`; throws a located MigrateError for what cannot be mapped. */
  map(value: unknown, shapeName: string, site: ValueSite): unknown;
  /** Runs the model's validation on a mapped spec; throws a located MigrateError on refusal. */
  validate(spec: unknown, shapeName: string): void;
}

const isPlainObject = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null && !Array.isArray(value);

const show = (value: unknown) => {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
};

export function createModelMapper(options: ModelMappingOptions): ModelMapper {
  const { naming, origins } = options;
  /** The model shape each mapped structure has, to spell a validation error's path back in the input's terms. */
  const shapeOf = new WeakMap<object, string>();

  const fail = (site: ValueSite, message: string) => new MigrateError(message, origins.locate(site.container, site.key));

  function mapValue(value: unknown, shapeName: string, site: ValueSite): unknown {
    if (options.isOpaque?.(value)) return value;
    const hook = options.hooks?.[shapeName];
    if (hook) return hook(value, site, (inner) => mapGeneric(inner, shapeName, site));
    return mapGeneric(value, shapeName, site);
  }

  function mapGeneric(value: unknown, shapeName: string, site: ValueSite): unknown {
    const shape = modelShape(shapeName);
    switch (shape.type) {
      case "structure": {
        if (!isPlainObject(value)) throw fail(site, `expects an object, got ${show(value)}`);
        const result: Record<string, unknown> = {};
        for (const [key, member] of Object.entries(value)) {
          if (member === null || member === undefined) continue;
          const name = naming.toModel(shapeName, key);
          if (name === undefined) {
            const known = Object.keys(shape.members ?? {}).map((m) => naming.fromModel(shapeName, m));
            throw fail({ container: value, key }, `unknown field ${key}; ${shapeName} has ${known.join(", ")}`);
          }
          result[name] = mapValue(member, shape.members![name]!.shape, { container: value, key });
        }
        origins.inherit(result, value);
        shapeOf.set(result, shapeName);
        return result;
      }
      case "list": {
        if (!Array.isArray(value)) throw fail(site, `expects a list, got ${show(value)}`);
        const result = value.flatMap((item, index) => (item === null || item === undefined ? [] : [mapValue(item, shape.member!.shape, { container: value, key: index })]));
        return origins.inherit(result, value);
      }
      case "integer":
      case "long": {
        if (typeof value === "number") return value;
        if (typeof value === "string" && /^[+-]?\d+$/.test(value.trim())) return Number(value.trim());
        throw fail(site, `expects a whole number, got ${show(value)}`);
      }
      case "boolean": {
        if (typeof value === "boolean") return value;
        if (typeof value === "string" && /^(true|false)$/i.test(value.trim())) return value.trim().toLowerCase() === "true";
        throw fail(site, `expects true or false, got ${show(value)}`);
      }
      case "string": {
        if (typeof value === "string") return value;
        if (typeof value === "number" || typeof value === "boolean") return String(value);
        throw fail(site, `expects a string, got ${show(value)}`);
      }
      default:
        throw fail(site, `has model type ${shape.type}, which specs do not use`);
    }
  }

  /** Follows a model path (`spec.listeners[0].portMapping.port`) into the mapped spec and back to its source. */
  function locateModelPath(spec: unknown, modelPath: string) {
    const parts: Array<string | number> = [];
    for (const match of modelPath.matchAll(/([^.[\]]+)|\[(\d+)\]/g)) parts.push(match[2] !== undefined ? Number(match[2]) : match[1]!);
    if (parts[0] === "spec") parts.shift();
    let node: unknown = spec;
    let anchor: unknown = spec;
    let rest: Array<string | number> = [];
    for (const part of parts) {
      const shape = isPlainObject(node) ? shapeOf.get(node) : undefined;
      rest.push(typeof part === "string" && shape ? naming.fromModel(shape, part) : part);
      node = typeof node === "object" && node !== null ? (node as Record<string | number, unknown>)[part] : undefined;
      if (origins.get(node)) {
        anchor = node;
        rest = [];
      }
    }
    return origins.locate(anchor, ...rest);
  }

  return {
    map: mapValue,
    validate(spec, shapeName) {
      try {
        validateShape(shapeName, spec, "spec");
      } catch (error) {
        if (!AppMeshError.is(error)) throw error;
        const path = /at '([^']+)'/.exec(error.message)?.[1] ?? /^(\S+) must have exactly one/.exec(error.message)?.[1] ?? "spec";
        throw new MigrateError(`the App Mesh model refuses it: ${error.message}`, locateModelPath(spec, path));
      }
    },
  };
}

/**
 * The reverse of mapping: a value of model shape `shapeName` spelled in a format's names (for exports). Hooks
 * write shapes the format spells differently (Kubernetes references); they get the model value and return
 * the format's.
 */
export function renameFromModel(
  value: unknown,
  shapeName: string,
  naming: FieldNaming,
  hooks: Partial<Record<string, (value: Record<string, unknown>, renameDefault: (value: Record<string, unknown>) => Record<string, unknown>) => unknown>> = {},
): unknown {
  const shape = modelShape(shapeName);
  if (shape.type === "list" && Array.isArray(value)) return value.map((item) => renameFromModel(item, shape.member!.shape, naming, hooks));
  if (shape.type !== "structure" || !isPlainObject(value)) return value;
  const renameDefault = (object: Record<string, unknown>) => {
    const result: Record<string, unknown> = {};
    for (const [member, item] of Object.entries(object)) {
      const memberShape = shape.members?.[member]?.shape;
      result[memberShape ? naming.fromModel(shapeName, member) : member] = memberShape ? renameFromModel(item, memberShape, naming, hooks) : item;
    }
    return result;
  };
  const hook = hooks[shapeName];
  return hook ? hook(value, renameDefault) : renameDefault(value);
}

// Input files as plain values that remember where they came from. YAML (and JSON, which the YAML parser reads
// too) is parsed once into an AST; the plain value handed to the formats is built from it, and every object or
// array in it is registered in an `Origins` table with its document and field path, so that any later error
// about a value (a CloudFormation property, a Kubernetes field, a spec the model refuses) names file, document,
// line and field. CloudFormation's short forms (`!Ref x`, `!GetAtt a.b`, `!Sub …`) become their long forms.
import { LineCounter, isAlias, isMap, isScalar, isSeq, parseAllDocuments, type Document, type Node, type ScalarTag, type CollectionTag } from "yaml";
import { MigrateError, type SourceLocation } from "./migrate-error.js";

export type FieldPath = Array<string | number>;

export interface SourceDocument {
  file: string;
  /** Position in the file's YAML stream, from 1. */
  index: number;
  /** The document as plain data (objects, arrays, strings, numbers, booleans, null). */
  value: unknown;
  /** The line (from 1) where `path` is written, or of the deepest part of it that exists. */
  lineOf(path: FieldPath): number | undefined;
}

export interface Origin {
  document: SourceDocument;
  path: FieldPath;
}

/** "Resources.Mesh.Properties.Tags[0].Key" */
export function formatFieldPath(path: FieldPath): string {
  let text = "";
  for (const part of path) text += typeof part === "number" ? `[${part}]` : text === "" ? part : `.${part}`;
  return text;
}

/**
 * Where each object and array of the inputs (and of values derived from them) came from. Derived values
 * (evaluated CloudFormation properties, mapped specs) register the origin of what they were made from.
 */
export class Origins {
  #origins = new WeakMap<object, Origin>();

  set(value: object, origin: Origin): void {
    this.#origins.set(value, origin);
  }

  get(value: unknown): Origin | undefined {
    return typeof value === "object" && value !== null ? this.#origins.get(value) : undefined;
  }

  /** Copies the origin of `from` (if any) to `to`; returns `to`. */
  inherit<T extends object>(to: T, from: unknown): T {
    const origin = this.get(from);
    if (origin) this.#origins.set(to, origin);
    return to;
  }

  /** The location of `container` itself, or of its member `key`. */
  locate(container: unknown, ...keys: FieldPath): SourceLocation | undefined {
    const origin = this.get(container);
    if (!origin) return undefined;
    return locationOf(origin, keys);
  }

  /** An error located at `container` (and `keys` below it) when its origin is known. */
  error(message: string, container: unknown, ...keys: FieldPath): MigrateError {
    return new MigrateError(message, this.locate(container, ...keys));
  }
}

export function locationOf(origin: Origin, keys: FieldPath = []): SourceLocation {
  const path = [...origin.path, ...keys];
  const line = origin.document.lineOf(path);
  return {
    file: origin.document.file,
    document: origin.document.index,
    ...(line !== undefined ? { line } : {}),
    ...(path.length > 0 ? { field: formatFieldPath(path) } : {}),
  };
}

/** CloudFormation's short-form tags and the long form each stands for. */
const shortForms: Record<string, string> = {
  "!Ref": "Ref",
  "!Condition": "Condition",
  ...Object.fromEntries(
    ["Base64", "Cidr", "FindInMap", "GetAtt", "GetAZs", "ImportValue", "Join", "Select", "Split", "Sub", "Transform", "If", "Equals", "And", "Or", "Not"].map(
      (name) => [`!${name}`, `Fn::${name}`],
    ),
  ),
};

const customTags: Array<ScalarTag | CollectionTag> = Object.keys(shortForms).flatMap((tag) => [
  { tag, resolve: (value: string) => value } satisfies ScalarTag,
  { tag, collection: "seq", resolve: (value: unknown) => value } as CollectionTag,
  { tag, collection: "map", resolve: (value: unknown) => value } as CollectionTag,
]);

function longForm(tag: string, value: unknown): unknown {
  const name = shortForms[tag]!;
  // `!GetAtt Resource.Attribute` is the one short form whose scalar splits (at the first dot).
  if (name === "Fn::GetAtt" && typeof value === "string") {
    const dot = value.indexOf(".");
    return { [name]: dot < 0 ? [value] : [value.slice(0, dot), value.slice(dot + 1)] };
  }
  return { [name]: value };
}

type AnyNode = Node | null | undefined;

function createDocument(file: string, index: number, yamlDocument: Document, lineCounter: LineCounter, origins: Origins): SourceDocument {
  const lineAt = (offset: number | undefined) => (offset === undefined ? undefined : lineCounter.linePos(offset).line);

  const lineOf = (path: FieldPath): number | undefined => {
    let node: AnyNode = yamlDocument.contents as AnyNode;
    let line = lineAt(node?.range?.[0]);
    for (const part of path) {
      while (isAlias(node)) node = node.resolve(yamlDocument) as AnyNode;
      if (!node) break;
      const tag = (node as { tag?: string }).tag;
      if (tag && shortForms[tag] === part) continue; // `Fn::If` of a `!If` node is the node itself
      if (isMap(node)) {
        const pair = node.items.find((item) => isScalar(item.key) && String(item.key.value) === String(part));
        if (!pair) break;
        line = lineAt((pair.key as Node).range?.[0]) ?? line;
        node = pair.value as AnyNode;
      } else if (isSeq(node) && typeof part === "number" && part < node.items.length) {
        node = node.items[part] as AnyNode;
        line = lineAt(node?.range?.[0]) ?? line;
      } else {
        break;
      }
    }
    return line;
  };

  const document: SourceDocument = { file, index, value: undefined, lineOf };

  const toValue = (node: AnyNode, path: FieldPath): unknown => {
    if (isAlias(node)) return toValue(node.resolve(yamlDocument) as AnyNode, path);
    if (node === null || node === undefined) return null;
    let value: unknown;
    if (isScalar(node)) {
      value = node.value;
    } else if (isMap(node)) {
      const object: Record<string, unknown> = {};
      for (const pair of node.items) {
        if (!isScalar(pair.key)) {
          throw new MigrateError("keys must be plain scalars", { file, document: index, line: lineAt((pair.key as Node | null)?.range?.[0]), field: path.join(".") });
        }
        const key = String(pair.key.value);
        object[key] = toValue(pair.value as AnyNode, [...path, key]);
      }
      origins.set(object, { document, path });
      value = object;
    } else if (isSeq(node)) {
      const array = node.items.map((item, i) => toValue(item as AnyNode, [...path, i]));
      origins.set(array, { document, path });
      value = array;
    } else {
      value = null;
    }
    const tag = (node as { tag?: string }).tag;
    if (tag && shortForms[tag]) {
      const wrapped = longForm(tag, value) as object;
      origins.set(wrapped, { document, path });
      return wrapped;
    }
    return value;
  };

  document.value = toValue(yamlDocument.contents as AnyNode, []);
  return document;
}

/**
 * Parses a YAML or JSON file into its documents (empty documents are left out). Throws a MigrateError naming
 * the file, document and line for syntax errors and for tags that are not CloudFormation's.
 */
export function parseSourceFile(file: string, text: string, origins: Origins): SourceDocument[] {
  const lineCounter = new LineCounter();
  const parsed = parseAllDocuments(text, { customTags, lineCounter, uniqueKeys: true, prettyErrors: false });
  const yamlDocuments = Array.isArray(parsed) ? parsed : [];
  const documents: SourceDocument[] = [];
  yamlDocuments.forEach((yamlDocument, i) => {
    const index = i + 1;
    const problem = yamlDocument.errors[0] ?? yamlDocument.warnings.find((warning) => warning.code === "TAG_RESOLVE_FAILED");
    if (problem) {
      const line = problem.pos?.[0] === undefined ? undefined : lineCounter.linePos(problem.pos[0]).line;
      const message =
        problem.code === "TAG_RESOLVE_FAILED"
          ? `unknown tag ${/!\S+/.exec(problem.message)?.[0] ?? ""}: CloudFormation's short forms are !Ref, !GetAtt, !Sub, !Join, !If, !Select, !Split, !FindInMap, !Equals, !And, !Or, !Not, !ImportValue, !Base64, !Condition`
          : `not valid YAML: ${problem.message.split("\n")[0]}`;
      throw new MigrateError(message, { file, document: index, ...(line !== undefined ? { line } : {}) });
    }
    const document = createDocument(file, index, yamlDocument, lineCounter, origins);
    if (document.value !== null) documents.push(document);
  });
  return documents;
}

// The one error of the migrate layer: a message for people and, when the input is to blame, where in the input
// (file, document, line, field), so that the CLI can print "templates/mesh.yaml, document 1, line 12, field …".

/** A place in an input file. `document` counts from 1 (YAML streams hold several); `line` too. */
export interface SourceLocation {
  file: string;
  document: number;
  line?: number;
  /** The field as the input spells it, e.g. `Resources.Mesh.Properties.Spec.EgressFilter.Type`. */
  field?: string;
}

/** "mesh.yaml, document 1, line 12, field Resources.Mesh.Properties.MeshName" */
export function formatLocation(location: SourceLocation): string {
  const parts = [location.file, `document ${location.document}`];
  if (location.line !== undefined) parts.push(`line ${location.line}`);
  if (location.field) parts.push(`field ${location.field}`);
  return parts.join(", ");
}

const brand = Symbol.for("meshplane.MigrateError");

export class MigrateError extends Error {
  readonly [brand] = true;
  override readonly name = "MigrateError";

  constructor(
    message: string,
    readonly location?: SourceLocation,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }

  /** The message prefixed by its location, as the CLI prints it. */
  describe(): string {
    return this.location ? `${formatLocation(this.location)}: ${this.message}` : this.message;
  }

  /** True for errors made by any copy of this module (bundles), not only this one. */
  static is(value: unknown): value is MigrateError {
    return typeof value === "object" && value !== null && (value as Record<symbol, unknown>)[brand] === true;
  }
}

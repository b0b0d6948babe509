// The vocabulary meshplane's own resource models are written in: a JSON-schema-like description of each member
// (type, bounds, pattern, enum, required members, tagged unions), from which both the validator
// (../validation.ts) and the TypeScript types of valid values (`ValueOf`) are derived, so the two cannot drift.

export interface StringShape {
  readonly type: "string";
  readonly min?: number;
  readonly max?: number;
  readonly pattern?: string;
  /** Says in words what `pattern` demands, for the 400 a caller reads. */
  readonly patternText?: string;
  readonly enum?: readonly string[];
}

export interface IntegerShape {
  readonly type: "integer";
  readonly min?: number;
  readonly max?: number;
}

/** A decimal number with at most `decimals` digits after the point. */
export interface NumberShape {
  readonly type: "number";
  readonly min: number;
  readonly max: number;
  readonly decimals: number;
}

export interface BooleanShape {
  readonly type: "boolean";
}

export interface ListShape<Member extends Shape = Shape> {
  readonly type: "list";
  readonly member: Member;
  readonly min?: number;
  readonly max?: number;
}

/** Any JSON object, checked by the caller (envoyPatch's Envoy JSON is checked against Envoy's descriptors). */
export interface JsonObjectShape {
  readonly type: "json";
  /** Serialised size limit in bytes. */
  readonly maxBytes: number;
}

export interface StructureShape<Members extends Readonly<Record<string, Shape>> = Readonly<Record<string, Shape>>, Required extends string = string> {
  readonly type: "structure";
  /** The model's name for it, used in messages ("FaultInjection"). */
  readonly name: string;
  readonly members: Members;
  readonly required: readonly Required[];
  /** Exactly one member is set (a tagged union, as App Mesh's specs have them). */
  readonly union: boolean;
}

export type Shape = StringShape | IntegerShape | NumberShape | BooleanShape | ListShape | JsonObjectShape | StructureShape;

type StructureValue<Members extends Readonly<Record<string, Shape>>, Required extends string> = {
  -readonly [Name in keyof Members as Name extends Required ? Name : never]: ValueOf<Members[Name]>;
} & {
  -readonly [Name in keyof Members as Name extends Required ? never : Name]?: ValueOf<Members[Name]>;
};

/** The TypeScript type of a value that passed validation against shape `S`. */
export type ValueOf<S> = S extends { type: "string"; enum: readonly (infer E)[] }
  ? E
  : S extends { type: "string" }
    ? string
    : S extends { type: "integer" | "number" }
      ? number
      : S extends { type: "boolean" }
        ? boolean
        : S extends { type: "json" }
          ? Record<string, unknown>
          : S extends ListShape<infer Member>
            ? ValueOf<Member>[]
            : S extends StructureShape<infer Members, infer Required>
              ? StructureValue<Members, Required>
              : never;

// Constructors keep each description's literal types (member names, enums, required lists) for `ValueOf`.

export const string = <const S extends Omit<StringShape, "type">>(shape: S = {} as S): S & { type: "string" } => ({ type: "string", ...shape });
export const integer = (min?: number, max?: number): IntegerShape => ({ type: "integer", ...(min !== undefined ? { min } : {}), ...(max !== undefined ? { max } : {}) });
export const number = (min: number, max: number, decimals: number): NumberShape => ({ type: "number", min, max, decimals });
export const boolean: BooleanShape = { type: "boolean" };
export const list = <const Member extends Shape>(member: Member, bounds: { min?: number; max?: number } = {}): ListShape<Member> => ({ type: "list", member, ...bounds });
export const json = (maxBytes: number): JsonObjectShape => ({ type: "json", maxBytes });

export function structure<const Members extends Readonly<Record<string, Shape>>, const Required extends keyof Members & string = never>(
  name: string,
  members: Members,
  options: { required?: readonly Required[]; union?: boolean } = {},
): StructureShape<Members, Required> {
  return { type: "structure", name, members, required: options.required ?? [], union: options.union ?? false };
}

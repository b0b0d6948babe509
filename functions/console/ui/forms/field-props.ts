// What every field of a model-driven form is given (shape-field.tsx draws structures and lists, scalar-field.tsx
// the inputs).
import type { PathSegment } from "./field-path.js";

export interface ShapeFieldProps {
  shape: string;
  path: readonly PathSegment[];
  value: unknown;
  onChange(value: unknown): void;
  label: string;
  required: boolean;
  /** `Shape.member` of the member this field edits, for console labels and reference lists. */
  memberKey?: string;
  /** Draw a structure's members without a fieldset around them (the top of a form). */
  bare?: boolean;
}

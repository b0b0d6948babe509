// Things an import tells the user without failing: skipped resources and objects, dropped Kubernetes-only
// fields, names it had to assume.
import type { SourceLocation } from "./migrate-error.js";

export interface Notice {
  message: string;
  location?: SourceLocation;
}


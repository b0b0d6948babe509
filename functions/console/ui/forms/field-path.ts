// Paths of form fields, spelled as the API's validation messages spell them (`spec.listeners[0].portMapping.port`),
// so an error can be shown beside the field it names.

export type PathSegment = string | number;

/** `["spec", "listeners", 0, "port"]` → `spec.listeners[0].port` (functions/appmesh/validation.ts's joinPath). */
export function formatPath(path: readonly PathSegment[]): string {
  let text = "";
  for (const segment of path) text = typeof segment === "number" ? `${text}[${segment}]` : text === "" ? segment : `${text}.${segment}`;
  return text;
}

/** The path itself, then each of its ancestors, longest first: `a.b[0]`, `a.b`, `a`. */
export function pathAndAncestors(path: string): string[] {
  const result: string[] = [];
  let rest = path;
  while (rest !== "") {
    result.push(rest);
    const cut = Math.max(rest.lastIndexOf("."), rest.lastIndexOf("["));
    rest = cut < 0 ? "" : rest.slice(0, cut);
  }
  return result;
}

/**
 * The field an App Mesh error message names, in the quotes its messages put paths in.
 *
 * @example
 * pathInMessage("1 validation error detected: Value 150 at 'spec.httpRoute.action.weightedTargets[0].weight' failed …")
 * // → "spec.httpRoute.action.weightedTargets[0].weight"
 */
export function pathInMessage(message: string): string | undefined {
  const quoted = /'([A-Za-z][A-Za-z0-9]*(?:\.[A-Za-z][A-Za-z0-9]*|\[\d+\])*)'/.exec(message);
  return quoted?.[1];
}

export const fieldId = (path: string): string => `field-${path.replace(/[^A-Za-z0-9]+/g, "-")}`;

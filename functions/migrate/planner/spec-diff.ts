// Field-level differences between two specs (what a plan shows for an update), and the equality that decides
// "unchanged" (absent and null members count as absent, as the API stores them).

/** One field that differs: `before` absent means added, `after` absent means removed. */
export interface FieldChange {
  path: string;
  before?: unknown;
  after?: unknown;
}

const isPlainObject = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null && !Array.isArray(value);

/** The value without undefined or null members (recursively), as the API would store it. */
export function normalizeSpec(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(normalizeSpec);
  if (isPlainObject(value)) {
    const result: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) if (value[key] !== undefined && value[key] !== null) result[key] = normalizeSpec(value[key]);
    return result;
  }
  return value;
}

export function specsEqual(a: unknown, b: unknown): boolean {
  return JSON.stringify(normalizeSpec(a)) === JSON.stringify(normalizeSpec(b));
}

/** The fields that differ between `before` and `after`, in path order. */
export function diffSpecs(before: unknown, after: unknown, path = "spec"): FieldChange[] {
  const a = normalizeSpec(before);
  const b = normalizeSpec(after);
  const changes: FieldChange[] = [];
  const walk = (x: unknown, y: unknown, at: string) => {
    if (x === undefined && y === undefined) return;
    if (isPlainObject(x) && isPlainObject(y)) {
      for (const key of [...new Set([...Object.keys(x), ...Object.keys(y)])].sort()) walk(x[key], y[key], `${at}.${key}`);
      return;
    }
    if (Array.isArray(x) && Array.isArray(y)) {
      for (let i = 0; i < Math.max(x.length, y.length); i++) walk(x[i], y[i], `${at}[${i}]`);
      return;
    }
    if (JSON.stringify(x) === JSON.stringify(y)) return;
    changes.push({ path: at, ...(x !== undefined ? { before: x } : {}), ...(y !== undefined ? { after: y } : {}) });
  };
  walk(a, b, path);
  return changes;
}

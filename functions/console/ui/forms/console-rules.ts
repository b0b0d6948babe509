// What App Mesh's console asked of a form beyond the API: "The percentage for all targets must add up to 100."
// It is checked only once every weight is a whole number the model allows (0–100), so an out-of-range weight
// still reaches the API and is answered with App Mesh's own message.
import { exclusiveGroups, operationOf, shapeOf } from "../model/shapes.js";
import type { FieldError } from "./form-context.js";

function weightBounds(): { min: number; max: number } {
  const weight = shapeOf(shapeOf("WeightedTarget").members!.weight!.shape);
  return { min: weight.min ?? 0, max: weight.max ?? Number.MAX_SAFE_INTEGER };
}

/** A message and the field it belongs to, or null when the form may be sent. */
export function checkConsoleRules(operation: string, body: Record<string, unknown>): FieldError | null {
  if (operationOf(operation).input !== "CreateRouteInput" && operationOf(operation).input !== "UpdateRouteInput") return null;
  const spec = body.spec as Record<string, unknown> | undefined;
  const routeType = exclusiveGroups.RouteSpec!.members.find((member) => spec?.[member] !== undefined);
  if (!spec || !routeType) return null;
  const targets = ((spec[routeType] as { action?: { weightedTargets?: unknown } } | undefined)?.action?.weightedTargets ?? []) as Array<{ weight?: unknown }>;
  if (!Array.isArray(targets) || targets.length === 0) return null;
  const { min, max } = weightBounds();
  const weights = targets.map((target) => target?.weight);
  if (!weights.every((weight): weight is number => typeof weight === "number" && Number.isInteger(weight) && weight >= min && weight <= max)) return null;
  const total = weights.reduce((sum, weight) => sum + weight, 0);
  if (total === 100) return null;
  return { path: `spec.${routeType}.action.weightedTargets`, message: `The percentage for all targets must add up to 100; these add up to ${total}.` };
}

/** "Total weight: 100 of 100." beside a route's targets, as the user types. */
export function weightTotalNote(targets: readonly unknown[]): string {
  const total = targets.reduce<number>((sum, target) => {
    const weight = (target as { weight?: unknown } | undefined)?.weight;
    return sum + (typeof weight === "number" && Number.isFinite(weight) ? weight : 0);
  }, 0);
  return `Total weight: ${total} of 100.`;
}

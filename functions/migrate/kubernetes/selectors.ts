// Kubernetes label selectors (matchLabels and matchExpressions with In, NotIn, Exists, DoesNotExist), as the
// App Mesh controller uses them to put namespaces in meshes and gateway routes on gateways.
// https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/#label-selectors
import type { Origins } from "../source.js";

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null && !Array.isArray(value);

/** Whether `selector` selects `labels`. An empty selector selects everything; the caller decides what an absent one means. */
export function matchesSelector(selector: unknown, labels: Readonly<Record<string, string>>, origins: Origins): boolean {
  if (!isObject(selector)) throw origins.error("a label selector must be a mapping", selector);
  const matchLabels = selector.matchLabels ?? {};
  if (!isObject(matchLabels)) throw origins.error("matchLabels must be a mapping", selector, "matchLabels");
  for (const [key, value] of Object.entries(matchLabels)) if (labels[key] !== String(value)) return false;
  const expressions = selector.matchExpressions ?? [];
  if (!Array.isArray(expressions)) throw origins.error("matchExpressions must be a list", selector, "matchExpressions");
  return expressions.every((expression, index) => {
    if (!isObject(expression) || typeof expression.key !== "string") throw origins.error("a match expression needs key and operator", expressions, index);
    const values = Array.isArray(expression.values) ? expression.values.map(String) : [];
    const present = Object.hasOwn(labels, expression.key);
    switch (expression.operator) {
      case "In":
        return present && values.includes(labels[expression.key]!);
      case "NotIn":
        return !present || !values.includes(labels[expression.key]!);
      case "Exists":
        return present;
      case "DoesNotExist":
        return !present;
      default:
        throw origins.error(`unknown selector operator ${String(expression.operator)}; use In, NotIn, Exists or DoesNotExist`, expression, "operator");
    }
  });
}

// First-match order of App Mesh routes and gateway routes (docs/envoy-translation.md §7, §14).
//
// docs/envoy-translation.md §7 — the deterministic tie-break: priority ascending (0 first; no priority = 1001, after every prioritised
// route), then exact paths, then regexes, then prefixes longest first, then the route name. App Mesh leaves equal
// priority + equal prefix unspecified; the name makes it stable.
import { compareStrings } from "./mesh-index.js";

export const UNPRIORITISED = 1001;

export interface RouteOrderKey {
  priority: number | undefined;
  /** 0 exact path, 1 regex, 2 prefix. */
  kind: 0 | 1 | 2;
  /** Length of the prefix (kind 2); longer first. */
  length: number;
  name: string;
}

export function compareRouteOrder(a: RouteOrderKey, b: RouteOrderKey): number {
  return (
    (a.priority ?? UNPRIORITISED) - (b.priority ?? UNPRIORITISED) ||
    a.kind - b.kind ||
    b.length - a.length ||
    compareStrings(a.name, b.name)
  );
}

export function pathOrderKey(
  priority: number | undefined,
  name: string,
  match: { prefix?: string; path?: { exact?: string; regex?: string } },
): RouteOrderKey {
  if (match.path?.exact !== undefined) return { priority, kind: 0, length: match.path.exact.length, name };
  if (match.path?.regex !== undefined) return { priority, kind: 1, length: 0, name };
  return { priority, kind: 2, length: (match.prefix ?? "/").length, name };
}

export function grpcOrderKey(priority: number | undefined, name: string, match: { serviceName?: string; methodName?: string }): RouteOrderKey {
  if (match.serviceName !== undefined && match.methodName !== undefined) return { priority, kind: 0, length: 0, name };
  return { priority, kind: 2, length: match.serviceName !== undefined ? match.serviceName.length + 2 : 1, name };
}

// The version a state-of-the-world response carries for one subscription.
import { hashString } from "../cache/hash.js";
import type { TypeResources } from "../cache/types.js";

/** Named selections' versions per TypeResources (immutable, shared by a node's streams): hashed once per selection. */
const namedVersions = new WeakMap<TypeResources, Map<string, string>>();

/**
 * Wildcard subscriptions carry the type's content version; named ones a hash of the named resources that exist,
 * so a change to a resource the proxy did not ask for changes nothing it sees. `selectionKey` (Subscription's) names
 * the selection, so that streams asking for the same names share one computation.
 */
export function subscriptionVersion(resources: TypeResources, wildcard: boolean, names: ReadonlySet<string>, selectionKey?: string): string {
  if (wildcard) return resources.version;
  const key = selectionKey ?? [...names].sort().join("\u0000");
  let byKey = namedVersions.get(resources);
  const memo = byKey?.get(key);
  if (memo !== undefined) return memo;
  const parts: string[] = [];
  for (const name of [...names].sort()) {
    const resource = resources.resources.get(name);
    if (resource) parts.push(`${name}\u0000${resource.version}`);
  }
  const version = hashString(parts.join("\n"));
  if (!byKey) namedVersions.set(resources, (byKey = new Map()));
  byKey.set(key, version);
  return version;
}

// The version a state-of-the-world response carries for one subscription.
import { hashString } from "../cache/hash.js";
import type { TypeResources } from "../cache/types.js";

/**
 * Wildcard subscriptions carry the type's content version; named ones a hash of the named resources that exist,
 * so a change to a resource the proxy did not ask for changes nothing it sees.
 */
export function subscriptionVersion(resources: TypeResources, wildcard: boolean, names: ReadonlySet<string>): string {
  if (wildcard) return resources.version;
  const parts: string[] = [];
  for (const name of [...names].sort()) {
    const resource = resources.resources.get(name);
    if (resource) parts.push(`${name}\u0000${resource.version}`);
  }
  return hashString(parts.join("\n"));
}

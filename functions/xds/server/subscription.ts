// What one xDS client has subscribed to for one resource type, and where the exchange of that type stands: wildcard
// or named resources, the versions sent and acknowledged, the nonce of the last response (the shape of
// envoyproxy/go-control-plane:pkg/server/stream/v3/subscription.go). State of the world replaces the names with each
// request; delta adds and removes them. How a client names what it wants:
// https://www.envoyproxy.io/docs/envoy/latest/api-docs/xds_protocol#how-the-client-specifies-what-resources-to-return
import { TypeUrl, type ResourceType } from "../../envoy/index.js";
import type { NodeRequest, TypeResources } from "../cache/types.js";
import { subscriptionVersion } from "./versions.js";

const WILDCARD = "*";

export class Subscription {
  readonly typeUrl: string;
  #requested = false;
  #wildcard = false;
  #names = new Set<string>();
  #selectionKey: string | null = null;
  /** The last `versionOf` answer, and what it was asked about (three fields, not an object per push). */
  #versionResources: TypeResources | null = null;
  #versionSelectionKey = "";
  #version = "";

  /** Nonce of the last response sent for this type, null before the first. Only a request echoing it answers that response. */
  nonce: string | null = null;
  /** Version of the last response sent: the subscription's version (state of the world) or the type's system version (delta). */
  sentVersion: string | null = null;
  /** The last version the client acknowledged. */
  ackedVersion: string | null = null;
  /** The last response was neither acknowledged nor rejected yet. */
  awaitingAck = false;
  /**
   * A response is owed even if no version moved: after a first request, a request without a nonce or a changed
   * subscription (state of the world), after the first request (delta).
   */
  responseOwed = false;
  /**
   * State of the world, RDS and EDS: the node's resources of this type as of the last response sent, when the client
   * holds exactly what they select (as far as the server can tell); the next push then carries only what differs.
   * Null when unknown: before the first response, after a rejected one, for a selection that changed.
   */
  held: TypeResources | null = null;
  /** Delta: resource name → the version the client holds (as sent, or as it listed in `initial_resource_versions`). */
  readonly returned = new Map<string, string>();
  /** Delta: names (re)subscribed since the last response, answered even when the client holds their version. */
  readonly resubscribed = new Set<string>();

  constructor(readonly type: ResourceType) {
    this.typeUrl = TypeUrl[type];
  }

  /** Whether a request of this type has been applied. */
  get requested(): boolean {
    return this.#requested;
  }

  get wildcard(): boolean {
    return this.#wildcard;
  }

  /** The names subscribed to explicitly (may be non-empty while wildcard). */
  get names(): ReadonlySet<string> {
    return this.#names;
  }

  /**
   * The state-of-the-world version of `resources` for this selection, remembered for the last resources asked about:
   * a stream asks on every request and every push, and the node's resources change far less often.
   */
  versionOf(resources: TypeResources): string {
    const { selectionKey } = this;
    if (this.#versionResources === resources && this.#versionSelectionKey === selectionKey) return this.#version;
    const version = subscriptionVersion(resources, this.#wildcard, this.#names, selectionKey);
    this.#versionResources = resources;
    this.#versionSelectionKey = selectionKey;
    this.#version = version;
    return version;
  }

  /** What the subscription selects, as one string: "*" for wildcard, else the sorted names; computed once per change. */
  get selectionKey(): string {
    this.#selectionKey ??= this.#wildcard ? "*" : [...this.#names].sort().join("\u0000");
    return this.#selectionKey;
  }

  isSubscribed(name: string): boolean {
    return this.#wildcard || this.#names.has(name);
  }

  /** Whether a request's `response_nonce` answers the last response sent; any other nonce is stale. */
  answers(nonce: string): boolean {
    return nonce === this.nonce;
  }

  /**
   * State of the world: the request's `resource_names` are the whole subscription. A first request naming nothing is
   * a wildcard subscription, and an empty list keeps a wildcard one wildcard; "*" subscribes to everything besides the
   * names. A changed subscription owes a response. Returns whether it changed.
   */
  setResourceNames(resourceNames: readonly string[]): boolean {
    // An ACK repeats the names it subscribed with: nothing to build for it.
    if (this.#requested && this.#repeats(resourceNames)) return false;
    const wildcard = resourceNames.includes(WILDCARD) || (resourceNames.length === 0 && (!this.#requested || this.#wildcard));
    const names = new Set(resourceNames.filter((name) => name !== WILDCARD));
    this.#requested = true;
    if (wildcard === this.#wildcard && sameSet(names, this.#names)) return false;
    this.#wildcard = wildcard;
    this.#names = names;
    this.#selectionKey = null;
    this.responseOwed = true;
    this.held = null;
    return true;
  }

  /**
   * Whether `resourceNames` certainly names the subscription as it stands (a wildcard one by an empty list only): a
   * short list of distinct names, each subscribed, as many as are. False sends the request the general way.
   */
  #repeats(resourceNames: readonly string[]): boolean {
    if (this.#wildcard) return resourceNames.length === 0 && this.#names.size === 0;
    if (resourceNames.length !== this.#names.size || resourceNames.length > 16) return false;
    for (let i = 0; i < resourceNames.length; i++) {
      const name = resourceNames[i]!;
      if (!this.#names.has(name)) return false;
      for (let j = 0; j < i; j++) if (resourceNames[j] === name) return false;
    }
    return true;
  }

  /**
   * Delta: the first request sets the subscription up (naming nothing subscribes to everything, the legacy wildcard;
   * `initial_resource_versions` are what the client already holds) and owes an answer; then names are added, then
   * removed. Unsubscribing a name while not wildcard forgets the version the client held.
   *
   * A name (re)subscribed is answered even when the client seems to hold its version, except on the first request:
   * - xDS protocol, "Subscribing to Resources": a `resource_names_subscribe` may name resources the server believes
   *   the client holds in their newest version, and "the server *must* still provide those resources", since the
   *   client may have forgotten them (https://www.envoyproxy.io/docs/envoy/latest/api-docs/xds_protocol#subscribing-to-resources).
   * - xDS protocol, "Incremental xDS": on reconnect the client "may tell the server of its known resources to avoid
   *   resending them over the network" in `initial_resource_versions`, and it "must provide the server with all
   *   resource names it is interested in" in the same first request. Resending those names would defeat the field,
   *   so on the first request a name listed there with a version counts as held: only a newer version is sent.
   *   go-control-plane does the same (pkg/server/delta/v3/server.go seeds the stream's versions from the map, and
   *   subscribing adds names without touching them).
   */
  updateResourceNames(subscribe: readonly string[], unsubscribe: readonly string[], initialResourceVersions: Readonly<Record<string, string>> = {}): void {
    this.#selectionKey = null;
    const first = !this.#requested;
    if (first) {
      this.#requested = true;
      this.responseOwed = true;
      if (subscribe.length === 0) this.#wildcard = true;
      for (const [name, version] of Object.entries(initialResourceVersions)) this.returned.set(name, version);
    }
    for (const name of subscribe) {
      if (name === WILDCARD) this.#wildcard = true;
      else {
        this.#names.add(name);
        if (!(first && Object.hasOwn(initialResourceVersions, name))) this.resubscribed.add(name);
      }
    }
    for (const name of unsubscribe) {
      if (name === WILDCARD) this.#wildcard = false;
      else {
        this.#names.delete(name);
        this.resubscribed.delete(name);
        if (!this.#wildcard) this.returned.delete(name);
      }
    }
  }

  /**
   * What the cache must translate for this subscription beyond the node itself: the names of a named listener
   * subscription are the API listeners of a proxyless gRPC client.
   */
  nodeRequest(): NodeRequest {
    if (this.type !== "listener" || this.#wildcard || this.#names.size === 0) return {};
    return { apiListeners: [...this.#names].sort() };
  }
}

function sameSet(a: ReadonlySet<string>, b: ReadonlySet<string>): boolean {
  if (a.size !== b.size) return false;
  for (const item of a) if (!b.has(item)) return false;
  return true;
}

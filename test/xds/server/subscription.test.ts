// The per-type subscription of an xDS client: how state-of-the-world requests replace it, how delta requests add to
// and remove from it, which nonce answers the last response, and what the cache must translate for it.
import { describe, expect, it } from "vitest";
import { TypeUrl } from "../../../functions/envoy/index.js";
import { Subscription } from "../../../functions/xds/server/subscription.js";

const view = (subscription: Subscription) => ({ wildcard: subscription.wildcard, names: [...subscription.names].sort() });

describe("Subscription (state of the world)", () => {
  it("starts unrequested, with no nonce and nothing sent, for the type URL of its type", () => {
    const subscription = new Subscription("route");
    expect(subscription.typeUrl).toBe(TypeUrl.route);
    expect([subscription.requested, subscription.nonce, subscription.sentVersion, subscription.ackedVersion, subscription.responseOwed]).toEqual([false, null, null, null, false]);
  });

  it("makes a first request that names nothing a wildcard subscription, and an empty list keeps it wildcard", () => {
    const subscription = new Subscription("cluster");
    expect(subscription.setResourceNames([])).toBe(true);
    expect([subscription.requested, subscription.responseOwed]).toEqual([true, true]);
    expect(view(subscription)).toEqual({ wildcard: true, names: [] });
    subscription.responseOwed = false;
    expect(subscription.setResourceNames([])).toBe(false);
    expect(subscription.responseOwed).toBe(false);
    expect(subscription.isSubscribed("anything")).toBe(true);
  });

  it("replaces the names with each request, owing a response only when they changed", () => {
    const subscription = new Subscription("route");
    subscription.setResourceNames(["b", "a"]);
    subscription.responseOwed = false;
    expect(subscription.setResourceNames(["a", "b", "a"])).toBe(false);
    expect(subscription.responseOwed).toBe(false);
    expect(subscription.setResourceNames(["a", "c"])).toBe(true);
    expect(subscription.responseOwed).toBe(true);
    expect(view(subscription)).toEqual({ wildcard: false, names: ["a", "c"] });
    expect([subscription.isSubscribed("a"), subscription.isSubscribed("b")]).toEqual([true, false]);
    // As many names as subscribed, all subscribed, but one repeated: the other one is dropped.
    subscription.responseOwed = false;
    expect(subscription.setResourceNames(["c", "c"])).toBe(true);
    expect(view(subscription)).toEqual({ wildcard: false, names: ["c"] });
    expect(subscription.setResourceNames(["c"])).toBe(false);
  });

  it("subscribes to nothing when a named subscription later names nothing", () => {
    const subscription = new Subscription("route");
    subscription.setResourceNames(["a"]);
    expect(subscription.setResourceNames([])).toBe(true);
    expect(view(subscription)).toEqual({ wildcard: false, names: [] });
    expect(subscription.isSubscribed("a")).toBe(false);
  });

  it("treats \"*\" as wildcard beside the explicit names", () => {
    const subscription = new Subscription("listener");
    subscription.setResourceNames(["api", "*"]);
    expect(view(subscription)).toEqual({ wildcard: true, names: ["api"] });
    expect(subscription.setResourceNames(["api"])).toBe(true);
    expect(view(subscription)).toEqual({ wildcard: false, names: ["api"] });
  });
});

describe("Subscription (delta)", () => {
  it("makes a first request that subscribes to nothing the legacy wildcard and takes the client's initial versions", () => {
    const subscription = new Subscription("cluster");
    subscription.updateResourceNames([], [], { a: "v1" });
    expect([subscription.requested, subscription.responseOwed, subscription.wildcard]).toEqual([true, true, true]);
    expect([...subscription.returned]).toEqual([["a", "v1"]]);
  });

  it("adds subscribed names, remembering them as resubscribed, and takes initial versions only from the first request", () => {
    const subscription = new Subscription("endpoint");
    subscription.updateResourceNames(["a"], [], { a: "v1" });
    expect(view(subscription)).toEqual({ wildcard: false, names: ["a"] });
    subscription.resubscribed.clear();
    subscription.updateResourceNames(["b"], [], { b: "v9" });
    expect(view(subscription)).toEqual({ wildcard: false, names: ["a", "b"] });
    expect([...subscription.resubscribed]).toEqual(["b"]);
    expect([...subscription.returned]).toEqual([["a", "v1"]]);
  });

  it("counts names of the first request listed in initial_resource_versions as held, not re-subscribed; a later subscription of a held name is re-subscribed", () => {
    const resumed = new Subscription("route");
    resumed.updateResourceNames(["held", "new"], [], { held: "v1" });
    expect([...resumed.resubscribed]).toEqual(["new"]);
    expect(resumed.returned.get("held")).toBe("v1");
    resumed.resubscribed.clear();
    resumed.updateResourceNames(["held"], []);
    expect([...resumed.resubscribed]).toEqual(["held"]);
  });

  it("forgets the version of a name unsubscribed from a named subscription, and keeps it while wildcard", () => {
    const named = new Subscription("endpoint");
    named.updateResourceNames(["a", "b"], [], { a: "v1", b: "v2" });
    named.updateResourceNames([], ["a"]);
    expect(view(named)).toEqual({ wildcard: false, names: ["b"] });
    expect([...named.returned.keys()]).toEqual(["b"]);
    expect([...named.resubscribed]).toEqual([]);

    const wildcard = new Subscription("cluster");
    wildcard.updateResourceNames(["*", "a"], [], { a: "v1" });
    wildcard.updateResourceNames([], ["a"]);
    expect(view(wildcard)).toEqual({ wildcard: true, names: [] });
    expect([...wildcard.returned.keys()]).toEqual(["a"]);
    wildcard.updateResourceNames([], ["*"]);
    expect(wildcard.wildcard).toBe(false);
  });
});

describe("Subscription nonces and node requests", () => {
  it("answers only the nonce of the last response sent", () => {
    const subscription = new Subscription("cluster");
    expect(subscription.answers("1")).toBe(false);
    subscription.nonce = "2";
    expect([subscription.answers("1"), subscription.answers("2"), subscription.answers("")]).toEqual([false, true, false]);
  });

  it("asks the cache for the names of a named listener subscription as API listeners, in name order", () => {
    const listeners = new Subscription("listener");
    listeners.setResourceNames(["svc-b", "svc-a"]);
    expect(listeners.nodeRequest()).toEqual({ apiListeners: ["svc-a", "svc-b"] });
    listeners.setResourceNames(["*", "svc-a"]);
    expect(listeners.nodeRequest()).toEqual({});
    const routes = new Subscription("route");
    routes.setResourceNames(["r"]);
    expect(routes.nodeRequest()).toEqual({});
  });
});

// Envoy proxy authorization as a Connect server interceptor for the ADS service: it reads the first
// DiscoveryRequest (the node id arrives there), asks the AdsAuthorizer, ends refused streams with its gRPC status,
// hands an admitted stream to the service with its identity (`streamIdentityKey`, which the ADS audit observer reads),
// and frees the stream's proxy-quota slot when the stream ends, however it ends.
//
// Wiring (functions/node.ts): `startXdsServer({ …, interceptors: [createAdsAuthInterceptor(auth.ads)], observers: [auth.adsAudit] })`.
import { ConnectError, type Interceptor, type StreamResponse } from "@connectrpc/connect";
import { peerAddressKey, streamIdentityKey } from "../xds/index.js";
import type { AdsAuthorizer } from "./ads-authorizer.js";

const adsMethods = new Set(["StreamAggregatedResources", "DeltaAggregatedResources"]);

export function createAdsAuthInterceptor(authorizer: AdsAuthorizer): Interceptor {
  return (next) => async (request) => {
    if (!request.stream || !adsMethods.has(request.method.name)) return await next(request);
    const requests = request.message[Symbol.asyncIterator]();
    const first = await requests.next();
    if (first.done) return await next(request);
    const nodeId = ((first.value as { node?: { id?: string } }).node?.id ?? "").toString();
    const url = new URL(request.url);
    const verdict = await authorizer.authorizeStream(request.header, nodeId, { authority: url.host, path: url.pathname, peer: request.contextValues.get(peerAddressKey) });
    if (!verdict.ok) throw new ConnectError(verdict.message, verdict.code);
    const { release } = verdict;
    // The handler's context shares these values: the ADS service reads the identity into the stream's StreamInfo.
    request.contextValues.set(streamIdentityKey, { principal: verdict.principal, credential: verdict.credential });

    async function* replay() {
      yield first.value;
      for (;;) {
        const item = await requests.next();
        if (item.done) return;
        yield item.value;
      }
    }
    let response: StreamResponse;
    try {
      response = (await next({ ...request, message: replay() })) as StreamResponse;
    } catch (error) {
      release();
      throw error;
    }
    const messages = response.message;
    async function* releasing() {
      try {
        yield* messages;
      } finally {
        release();
      }
    }
    return { ...response, message: releasing() };
  };
}

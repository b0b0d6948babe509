// Envoy proxy authorization as a Connect server interceptor for the ADS service: it reads the first
// DiscoveryRequest (the node id arrives there), asks the AdsAuthorizer, ends refused streams with its gRPC status,
// and releases the proxy-quota slot (auditing the disconnect) when the stream ends.
//
// Wiring (functions/xds/server/node-server.ts): `connectNodeAdapter({ …, interceptors: [createAdsAuthInterceptor(auth.ads)] })`.
import { ConnectError, type Interceptor, type StreamResponse } from "@connectrpc/connect";
import { peerAddressKey } from "../xds/index.js";
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
    const release = verdict.release;

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
      await release();
      throw error;
    }
    const messages = response.message;
    async function* releasing() {
      try {
        yield* messages;
      } finally {
        await release();
      }
    }
    return { ...response, message: releasing() };
  };
}

// Envoy proxy authorization as the ADS service's admission: asked with each stream's first DiscoveryRequest (the node
// id arrives there), it asks the AdsAuthorizer, refuses a stream with the authorizer's gRPC status, serves an admitted
// one as its principal (`StreamInfo.identity`, which the ADS audit observer reads), and frees the stream's proxy-quota
// slot when the stream ends, however it ends.
//
// Wiring (functions/node.ts): `startXdsServer({ …, admission: createAdsAdmission(auth.ads), observers: [auth.adsAudit] })`.
import type { AdsAdmission } from "../xds/index.js";
import type { AdsAuthorizer } from "./ads-authorizer.js";

export function createAdsAdmission(authorizer: AdsAuthorizer): AdsAdmission {
  return async (request) => {
    const verdict = await authorizer.authorizeStream(request.headers, request.nodeId, { authority: request.authority, path: request.path, peer: request.peerAddress });
    if (!verdict.ok) return { ok: false, code: verdict.code, message: verdict.message };
    return { ok: true, identity: { principal: verdict.principal, credential: verdict.credential }, release: verdict.release };
  };
}

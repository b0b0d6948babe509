// Wires a Node gateway: core-wasm, the runtime, the ADS client and the admin port.
import { loadCore } from "../../../core-wasm/node.js";
import { startAdminServer, type AdminServer } from "./admin.js";
import { createGateway, type Gateway } from "./gateway.js";
import { startAdsClient, type AdsClient } from "../xds-client/ads-client.js";
import { startDeltaAdsClient } from "../xds-client/delta-ads-client.js";

export interface StartGatewayOptions {
  /** Envoy node id: `mesh/<mesh>/virtualGateway/<name>` or `mesh/<mesh>/virtualNode/<name>`. */
  nodeId: string;
  /** meshplane's ADS address, `host:port`. */
  xdsAddress: string;
  /** `host:port` of the admin interface; port 0 picks one; undefined = none. */
  admin?: { host: string; port: number };
  bindHost?: string;
  /** Bearer token for meshplane's ADS when it runs with authentication. */
  token?: string;
  /** Incremental xDS (DeltaAggregatedResources) instead of state of the world. */
  delta?: boolean;
  bindOutbound?: boolean;
  portOverrides?: Record<string, number>;
  log?: (message: string) => void;
}

export interface RunningGateway {
  gateway: Gateway;
  ads: AdsClient;
  admin: AdminServer | undefined;
  close(): Promise<void>;
}

export async function startGateway(options: StartGatewayOptions): Promise<RunningGateway> {
  const gateway = createGateway({
    core: loadCore(),
    nodeId: options.nodeId,
    ...(options.bindHost !== undefined ? { bindHost: options.bindHost } : {}),
    ...(options.bindOutbound !== undefined ? { bindOutbound: options.bindOutbound } : {}),
    ...(options.portOverrides !== undefined ? { portOverrides: options.portOverrides } : {}),
    ...(options.log !== undefined ? { log: options.log } : {}),
  });
  const admin = options.admin ? await startAdminServer(gateway, options.admin.host, options.admin.port) : undefined;
  const ads = (options.delta ? startDeltaAdsClient : startAdsClient)({ address: options.xdsAddress, nodeId: options.nodeId, ...(options.token ? { token: options.token } : {}), ...(options.log ? { log: options.log } : {}) }, gateway);
  return {
    gateway,
    ads,
    admin,
    async close() {
      ads.close();
      await admin?.close();
      await gateway.close();
    },
  };
}

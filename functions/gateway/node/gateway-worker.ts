// One worker process of a gateway started with --workers N (node:cluster): a full gateway runtime (listeners on
// the ports shared through the primary, upstream pools, health checks, metrics) fed by the primary's xDS stream
// instead of one of its own. It answers the primary's report requests (admin, metrics) and drains on request or on
// SIGTERM/SIGINT: listeners stop accepting, in-flight requests finish, then it exits.
import { loadCore } from "../../../core-wasm/node.js";
import { activeRequestsOf, hostHealthOf, requestsOf } from "./admin.js";
import { createGateway } from "./gateway.js";
import type { PrimaryMessage, WorkerMessage, WorkerOptions } from "./worker-messages.js";
import { decodeUpdate } from "./xds-fan-out.js";

export function runGatewayWorker(): void {
  const options = JSON.parse(process.env.GATEWAY_WORKER_OPTIONS ?? "{}") as Partial<WorkerOptions>;
  const id = process.env.GATEWAY_WORKER_ID ?? "?";
  const log = (message: string) => console.log(`meshplane-gateway[${id}]: ${message}`);
  const gateway = createGateway({
    core: loadCore(),
    ...(options.nodeId !== undefined ? { nodeId: options.nodeId } : {}),
    bindHost: options.bindHost ?? "127.0.0.1",
    bindOutbound: options.bindOutbound ?? false,
    portOverrides: options.portOverrides ?? {},
    log,
  });
  const send = (message: WorkerMessage) => process.send?.(message);
  let draining = false;
  const drain = () => {
    if (draining) return;
    draining = true;
    void gateway.close().finally(() => process.exit(0));
  };
  process.on("message", (message: PrimaryMessage) => {
    switch (message.kind) {
      case "apply": {
        const result = gateway.apply(message.update.type, decodeUpdate(message.update), message.update.version);
        if (!result.ok) {
          log(`${message.update.type} ${message.update.version} accepted by the primary but refused here: ${result.message}`);
          send({ kind: "refused", type: message.update.type, message: result.message });
        }
        break;
      }
      case "connection":
        gateway.metrics.connectedState.root.set(message.connected ? 1 : 0);
        break;
      case "report":
        send({
          kind: "report",
          id: message.id,
          report: {
            ready: gateway.ready(),
            activeRequests: activeRequestsOf(gateway),
            requests: requestsOf(gateway),
            metrics: gateway.metrics.state(),
            hosts: hostHealthOf(gateway),
            listeners: Object.fromEntries(gateway.boundPorts()),
          },
        });
        break;
      case "drain":
        drain();
        break;
    }
  });
  // A signal to the whole process group (Ctrl-C, a container stop) reaches workers too: they drain the same way.
  process.on("SIGTERM", drain);
  process.on("SIGINT", drain);
  // The primary went away without a drain (killed): nothing feeds this worker any more.
  process.on("disconnect", drain);
  send({ kind: "hello" });
}

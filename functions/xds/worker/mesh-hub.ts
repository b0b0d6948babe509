// The Durable Object of one mesh (binding MESH_HUB, one object per mesh name): it holds the gateway Workers'
// subscriptions and the last poll of every node that polls the mesh's REST xDS.
//
// Subscriptions are WebSockets accepted with the hibernation API (`state.acceptWebSocket`): while nothing happens
// the object is evicted from memory and the sockets stay open at no cost; keep-alive pings ("ping" → "pong") are
// answered by the runtime without waking it. When a write to the mesh commits, the Worker that committed posts the
// new revision here and every subscriber receives a version signal (`{"type":"changed","scope","revision"}`), which
// it follows with one REST xDS round (unchanged types answer 304). A fresh subscriber is sent
// `{"type":"subscribed"}` and catches up the same way. Polls are recorded here (throttled by the Worker, see
// poll-recorder.ts) for `/v1/xds/proxies`. Only the control-plane Worker reaches this object: it authorises first.
//
// Internal protocol (requests from the Worker; the host name is ignored):
//   GET  /subscribe?node=<id>   WebSocket upgrade → 101
//   POST /notify                {scope, revision} → {subscribers}
//   POST /polls                 PollEvent[] → 204
//   GET  /proxies[?nodeId=]     {proxies: HubProxyStatus[]}
import type { DurableObjectState, WebSocket as WorkerWebSocket, WebSocketRequestResponsePair as ResponsePair } from "@cloudflare/workers-types";
import type { HubProxyStatus, HubTypeStatus, PollEvent, SubscriptionSignal } from "./hub-protocol.js";

declare const WebSocketPair: new () => { 0: WorkerWebSocket; 1: WorkerWebSocket };
declare const WebSocketRequestResponsePair: typeof ResponsePair;

/** A node that neither polled for this long nor holds a subscription is no longer listed (its record is dropped). */
const FORGET_AFTER_MS = 60 * 60 * 1000;

interface Attachment {
  nodeId: string;
  since: string;
}

const json = (body: unknown, status = 200): Response => new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });
const pollKey = (nodeId: string) => `poll:${nodeId}`;

export class MeshHub {
  readonly #state: DurableObjectState;

  constructor(state: DurableObjectState, _env: unknown) {
    this.#state = state;
    state.setWebSocketAutoResponse(new WebSocketRequestResponsePair("ping", "pong"));
  }

  async fetch(request: Request): Promise<Response> {
    const url = new URL(request.url);
    const route = `${request.method} ${url.pathname}`;
    if (route === "GET /subscribe") return this.#subscribe(request, url.searchParams.get("node") ?? "");
    if (route === "POST /notify") return json(await this.#notify((await request.json()) as { scope: string; revision: number }));
    if (route === "POST /polls") {
      await this.#recordPolls((await request.json()) as PollEvent[]);
      return new Response(null, { status: 204 });
    }
    if (route === "GET /proxies") return json({ proxies: await this.#proxies(url.searchParams.get("nodeId") ?? undefined) });
    return json({ message: `no ${route} on the mesh hub` }, 404);
  }

  #subscribe(request: Request, nodeId: string): Response {
    if (request.headers.get("upgrade")?.toLowerCase() !== "websocket") return json({ message: "expected a WebSocket upgrade" }, 426);
    if (nodeId === "") return json({ message: "query parameter node is required" }, 400);
    const pair = new WebSocketPair();
    const server = pair[1];
    this.#state.acceptWebSocket(server, [nodeId]);
    server.serializeAttachment({ nodeId, since: new Date().toISOString() } satisfies Attachment);
    server.send(JSON.stringify({ type: "subscribed" } satisfies SubscriptionSignal));
    return new Response(null, { status: 101, webSocket: pair[0] } as unknown as ResponseInit);
  }

  async #notify(change: { scope: string; revision: number }): Promise<{ subscribers: number }> {
    const signal = JSON.stringify({ type: "changed", scope: change.scope, revision: change.revision } satisfies SubscriptionSignal);
    const sockets = this.#state.getWebSockets();
    for (const socket of sockets) {
      try {
        socket.send(signal);
      } catch {
        // A socket closing right now; its close event cleans it up.
      }
    }
    return { subscribers: sockets.length };
  }

  async #recordPolls(events: PollEvent[]): Promise<void> {
    const byNode = new Map<string, PollEvent[]>();
    for (const event of events) byNode.set(event.nodeId, [...(byNode.get(event.nodeId) ?? []), event]);
    const stored = await this.#state.storage.get<HubProxyStatus>([...byNode.keys()].map(pollKey));
    const updated: Record<string, HubProxyStatus> = {};
    for (const [nodeId, nodeEvents] of byNode) {
      const record = stored.get(pollKey(nodeId)) ?? { protocol: "rest", nodeId, nodeCluster: "", userAgent: "", firstPollAt: nodeEvents[0]!.at, lastPollAt: nodeEvents[0]!.at, subscriptions: [], types: {} };
      for (const event of nodeEvents.sort((a, b) => (a.at < b.at ? -1 : 1))) applyPoll(record, event);
      updated[pollKey(nodeId)] = record;
    }
    await this.#state.storage.put(updated);
  }

  async #proxies(nodeId: string | undefined): Promise<HubProxyStatus[]> {
    const records = nodeId === undefined ? await this.#state.storage.list<HubProxyStatus>({ prefix: "poll:" }) : await this.#state.storage.get<HubProxyStatus>([pollKey(nodeId)]);
    const subscriptions = new Map<string, Array<{ since: string }>>();
    for (const socket of this.#state.getWebSockets()) {
      const attachment = socket.deserializeAttachment() as Attachment | null;
      if (!attachment || (nodeId !== undefined && attachment.nodeId !== nodeId)) continue;
      subscriptions.set(attachment.nodeId, [...(subscriptions.get(attachment.nodeId) ?? []), { since: attachment.since }]);
    }
    const forgotten: string[] = [];
    const cutoff = new Date(Date.now() - FORGET_AFTER_MS).toISOString();
    const listed: HubProxyStatus[] = [];
    for (const [key, record] of records) {
      const subscribed = subscriptions.get(record.nodeId) ?? [];
      if (subscribed.length === 0 && (record.lastPollAt ?? "") < cutoff) {
        forgotten.push(key);
        continue;
      }
      listed.push({ ...record, subscriptions: subscribed });
      subscriptions.delete(record.nodeId);
    }
    // Subscribed but never recorded polling (its polls went to an isolate that has not flushed yet).
    for (const [id, subscribed] of subscriptions) listed.push({ protocol: "rest", nodeId: id, nodeCluster: "", userAgent: "", firstPollAt: null, lastPollAt: null, subscriptions: subscribed, types: {} });
    if (forgotten.length > 0) await this.#state.storage.delete(forgotten);
    return listed.sort((a, b) => (a.nodeId < b.nodeId ? -1 : a.nodeId > b.nodeId ? 1 : 0));
  }

  webSocketMessage(): void {
    // Subscribers send nothing but "ping", which the auto-response answers without waking this object.
  }

  webSocketClose(socket: WorkerWebSocket, code: number, reason: string): void {
    try {
      socket.close(code === 1005 || code === 1006 ? 1000 : code, reason);
    } catch {
      // Already closed.
    }
  }

  webSocketError(): void {
    // The close event follows.
  }
}

/** Folds one poll into a node's record: what was served, what the node said it holds, and what it refused. */
function applyPoll(record: HubProxyStatus, event: PollEvent): void {
  record.nodeCluster = event.nodeCluster;
  record.userAgent = event.userAgent;
  if (record.firstPollAt === null || event.at < record.firstPollAt) record.firstPollAt = event.at;
  if (record.lastPollAt === null || event.at > record.lastPollAt) record.lastPollAt = event.at;
  const status: HubTypeStatus = record.types[event.typeUrl] ?? { sentVersion: null, ackedVersion: null, nackedVersion: null, lastNackError: null, lastNackAt: null, lastPollAt: event.at };
  status.lastPollAt = event.at;
  if (event.nack !== null) {
    // Over REST a NACK names the version still held and the reason; the refused one is what was sent last.
    status.nackedVersion = status.sentVersion;
    status.lastNackError = event.nack;
    status.lastNackAt = event.at;
  }
  if (event.heldVersion !== "") status.ackedVersion = event.heldVersion;
  if (event.sentVersion !== null) status.sentVersion = event.sentVersion;
  record.types[event.typeUrl] = status;
}

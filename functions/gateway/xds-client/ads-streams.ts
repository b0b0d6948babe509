// The connection life both ADS clients share (state of the world and delta): open a stream, queue its first
// requests, hand every response on, remember how a stream failed (the gRPC status the server ended it with), and
// reconnect with jittered exponential back-off until closed.
import { ConnectError } from "@connectrpc/connect";
import { keepReconnecting, pumpResponses } from "./reconnect.js";
import { RequestQueue } from "./request-queue.js";
import type { AdsClient, XdsStreamError } from "./types.js";

export interface AdsStreamsOptions<Request, Response> {
  /** Prefix of log lines, e.g. "xds" or "xds (delta)". */
  label: string;
  log(line: string): void;
  initialBackoffMs: number;
  maxBackoffMs: number;
  /** Opens one stream sending `requests`; it ends when the server ends it and throws when it fails. */
  open(requests: AsyncIterable<Request>, signal: AbortSignal): AsyncIterable<Response>;
  /** Queues the requests a new stream starts with (what the client holds, so the server resends only what changed). */
  start(send: (request: Request) => void): void;
  onResponse(response: Response): void;
  /** A stream started delivering (true) or ended (false). */
  onConnection(up: boolean): void;
}

export interface AdsStreams<Request> extends AdsClient {
  /** Queues a request on the current stream; without one it is dropped (the next stream starts from the client's state). */
  send(request: Request): void;
}

export function runAdsStreams<Request, Response>(options: AdsStreamsOptions<Request, Response>): AdsStreams<Request> {
  let connected = false;
  let lastError: XdsStreamError | undefined;
  let abort: AbortController | null = null;
  let queue: RequestQueue<Request> | null = null;
  const send = (request: Request): void => queue?.push(request);

  const runStream = async (): Promise<void> => {
    const controller = (abort = new AbortController());
    const requests = (queue = new RequestQueue<Request>());
    options.start(send);
    try {
      await pumpResponses(options.open(requests, controller.signal), {
        onConnected(up) {
          connected = up;
          if (up) lastError = undefined;
          options.onConnection(up);
        },
        onResponse: (response) => options.onResponse(response),
      });
    } catch (error) {
      if (!controller.signal.aborted) {
        const failure = ConnectError.from(error);
        lastError = { code: failure.code, message: failure.rawMessage };
      }
      throw error;
    } finally {
      requests.close();
    }
  };

  const reconnector = keepReconnecting({ runStream, label: options.label, log: options.log, initialBackoffMs: options.initialBackoffMs, maxBackoffMs: options.maxBackoffMs });

  return {
    get connected() {
      return connected;
    },
    get lastError() {
      return lastError;
    },
    send,
    close() {
      reconnector.close();
      abort?.abort();
      queue?.close();
    },
  };
}

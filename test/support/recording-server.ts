// A plain HTTP server on loopback that records every request (method, URL, headers, body) and answers each as the
// test tells it: a status, headers and body, or "drop" to close the connection without answering.
import http from "node:http";
import type { AddressInfo } from "node:net";

export interface RecordedRequest {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

export type RecordedAnswer = [status: number, headers: Record<string, string>, body: string] | "drop";

export interface RecordingServer {
  url: string;
  /** Every request so far, oldest first (tests may empty it). */
  received: RecordedRequest[];
  close(): Promise<void>;
}

export async function startRecordingServer(answer: (request: RecordedRequest) => RecordedAnswer): Promise<RecordingServer> {
  const received: RecordedRequest[] = [];
  const server = http.createServer((request, response) => {
    let body = "";
    request.on("data", (chunk: Buffer) => (body += chunk.toString()));
    request.on("end", () => {
      const recorded = { method: request.method!, url: request.url!, headers: request.headers, body };
      received.push(recorded);
      const reply = answer(recorded);
      if (reply === "drop") request.socket.destroy();
      else response.writeHead(reply[0], reply[1]).end(reply[2]);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    received,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

import { describe, expect, it } from "vitest";
import { createMessageReader, writeMessagePrefix } from "../../../functions/xds/server/grpc-framing.js";

function framed(bytes: number[], compressed = false): Uint8Array {
  const message = new Uint8Array(5 + bytes.length);
  writeMessagePrefix(message, bytes.length);
  if (compressed) message[0] = 1;
  message.set(bytes, 5);
  return message;
}

describe("createMessageReader", () => {
  it("splits a chunk holding several messages, and joins a message split across chunks at any byte", () => {
    const wire = new Uint8Array([...framed([1, 2, 3]), ...framed([], true), ...framed(Array.from({ length: 300 }, (_, i) => i & 0xff))]);
    for (let cut = 0; cut <= wire.length; cut++) {
      const reader = createMessageReader(1024);
      const first = reader.push(wire.subarray(0, cut));
      const second = reader.push(wire.subarray(cut));
      if ("error" in first || "error" in second) throw new Error("unexpected error");
      const messages = [...first, ...second];
      expect(messages.map((message) => [message.compressed, [...message.bytes]])).toEqual([
        [false, [1, 2, 3]],
        [true, []],
        [false, Array.from({ length: 300 }, (_, i) => i & 0xff)],
      ]);
      expect(reader.pendingBytes).toBe(0);
    }
  });

  it("refuses a message announcing more than its limit, lengths past 2^31 included, and counts the bytes of one cut short", () => {
    expect(createMessageReader(3).push(framed([1, 2, 3, 4]))).toEqual({ error: "message of 4 bytes exceeds the limit of 3" });
    expect(createMessageReader(1024).push(new Uint8Array([0, 0xff, 0xff, 0xff, 0xff]))).toEqual({ error: `message of ${2 ** 32 - 1} bytes exceeds the limit of 1024` });
    const reader = createMessageReader(1024);
    expect(reader.push(framed([1, 2, 3]).subarray(0, 6))).toEqual([]);
    expect(reader.pendingBytes).toBe(6);
  });
});

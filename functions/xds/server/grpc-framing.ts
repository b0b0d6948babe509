// gRPC's framing of messages on an HTTP/2 stream (https://github.com/grpc/grpc/blob/master/doc/PROTOCOL-HTTP2.md):
// each message is a 5-byte prefix (a compressed flag, then the length, big-endian) followed by the message bytes;
// the status goes in the trailers, its message percent-encoded. Pure: no I/O.

/** Writes the prefix of an uncompressed message of `length` bytes into the first 5 bytes of `target`. */
export function writeMessagePrefix(target: Uint8Array, length: number): void {
  target[0] = 0;
  target[1] = (length >>> 24) & 0xff;
  target[2] = (length >>> 16) & 0xff;
  target[3] = (length >>> 8) & 0xff;
  target[4] = length & 0xff;
}

export interface FramedMessage {
  compressed: boolean;
  bytes: Uint8Array;
}

/**
 * Splits the bytes of a request stream, arriving in chunks of any size, into messages. `push` returns the messages
 * completed by a chunk, or an error when a message announces more than `maxBytes`.
 */
export function createMessageReader(maxBytes: number): {
  push(chunk: Uint8Array): FramedMessage[] | { error: string };
  /** Bytes of a message not complete yet: non-zero when the stream ends means the last message was cut short. */
  readonly pendingBytes: number;
} {
  let buffered: Uint8Array = new Uint8Array(0);
  return {
    push(chunk) {
      buffered = buffered.length === 0 ? chunk : concat(buffered, chunk);
      const messages: FramedMessage[] = [];
      let offset = 0;
      while (buffered.length - offset >= 5) {
        // The prefix read byte by byte: a DataView per message is garbage once per ACK of a push storm.
        const length = ((buffered[offset + 1]! << 24) | (buffered[offset + 2]! << 16) | (buffered[offset + 3]! << 8) | buffered[offset + 4]!) >>> 0;
        if (length > maxBytes) return { error: `message of ${length} bytes exceeds the limit of ${maxBytes}` };
        if (buffered.length - offset < 5 + length) break;
        messages.push({ compressed: (buffered[offset]! & 1) === 1, bytes: buffered.subarray(offset + 5, offset + 5 + length) });
        offset += 5 + length;
      }
      buffered = offset === buffered.length ? new Uint8Array(0) : buffered.subarray(offset);
      return messages;
    },
    get pendingBytes() {
      return buffered.length;
    },
  };
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const joined = new Uint8Array(a.length + b.length);
  joined.set(a, 0);
  joined.set(b, a.length);
  return joined;
}

/**
 * The longest grpc-message a stream ends with. Messages quote what the client sent (its node id); unbounded, a
 * 100 KB node id made a trailer larger than the HTTP/2 frame size, and the session, with every stream the client
 * multiplexes on it, ended in FRAME_SIZE_ERROR instead of the one stream in INVALID_ARGUMENT.
 */
export const MAX_STATUS_MESSAGE_LENGTH = 1024;

/** `message` cut to MAX_STATUS_MESSAGE_LENGTH characters, an ellipsis marking the cut. */
export function boundStatusMessage(message: string): string {
  return message.length <= MAX_STATUS_MESSAGE_LENGTH ? message : `${message.slice(0, MAX_STATUS_MESSAGE_LENGTH - 1)}…`;
}

/** `grpc-message`: percent-encoded UTF-8, leaving printable ASCII other than "%" as is. */
export function encodeGrpcMessage(message: string): string {
  let out = "";
  for (const byte of new TextEncoder().encode(message)) {
    out += byte >= 0x20 && byte <= 0x7e && byte !== 0x25 ? String.fromCharCode(byte) : `%${byte.toString(16).toUpperCase().padStart(2, "0")}`;
  }
  return out;
}

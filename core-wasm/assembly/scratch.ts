// The one buffer the host writes request bytes (and compile-time strings) into. It is a managed StaticArray kept
// alive by this global; the host reads its address through `scratchPointer` after every `scratchReserve`.
let buffer = new StaticArray<u8>(64 * 1024);

export function scratchBase(): usize {
  return changetype<usize>(buffer);
}

export function scratchSize(): i32 {
  return buffer.length;
}

/** Makes the scratch buffer at least `bytes` long (its address may change; its contents are not kept). */
export function reserveScratch(bytes: i32): void {
  if (bytes > buffer.length) {
    let size = buffer.length;
    while (size < bytes) size *= 2;
    buffer = new StaticArray<u8>(size);
  }
}

/** Writes `text` as UTF-8 at the start of the scratch buffer and returns its byte length. */
export function writeStringToScratch(text: string): i32 {
  const encoded = String.UTF8.encode(text);
  reserveScratch(encoded.byteLength);
  memory.copy(scratchBase(), changetype<usize>(encoded), encoded.byteLength);
  return encoded.byteLength;
}

// Reading the per-request values the host wrote into the scratch buffer.
//
// Scratch buffer during a match (all offsets relative to its start):
//
//   0            8            16                 8 × slotCount
//   ┌────────────┬────────────┬─ … ─┬────────────┬──────────────────────────────────┐
//   │ slot 0     │ slot 1     │     │ slot n-1   │ value bytes (UTF-8), any order   │
//   └────────────┴────────────┴─ … ─┴────────────┴──────────────────────────────────┘
//   slot i = offset: i32 (from the buffer start), length: i32 (-1: absent from the request)
//   slot 0 = :method, slot 1 = :authority, slot 2 = :path (with the query); slots 3… = the other headers the
//   table references, in the order the host assigned when it compiled the table.
export const SLOT_BYTES: i32 = 8;
export const METHOD_SLOT: i32 = 0;
export const AUTHORITY_SLOT: i32 = 1;
export const PATH_SLOT: i32 = 2;
export const ABSENT: i32 = -1;

// @ts-ignore: decorator
@inline
export function slotOffset(base: usize, slot: i32): i32 {
  return load<i32>(base + <usize>(slot * SLOT_BYTES));
}

// @ts-ignore: decorator
@inline
export function slotLength(base: usize, slot: i32): i32 {
  return load<i32>(base + <usize>(slot * SLOT_BYTES), 4);
}

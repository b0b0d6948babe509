// One page of a list whose filters the store cannot apply: rows are read in creation order, a chunk at a time, until
// the page is full or the rows run out. The cursor is the seq of the last row looked at, so the next page starts
// right after it whether that row matched or not.

export interface FilteredPage<Row> {
  rows: Row[];
  /** Seq to continue after; undefined when the list is exhausted. */
  next: number | undefined;
}

/**
 * @example
 *   const page = await readFilteredPage((after, limit) => store.listAwsResources({ …, afterSeq: after, limit }), (row) => row.data.Type === "HTTP", 100, 0);
 */
export async function readFilteredPage<Row extends { seq: number }>(
  read: (afterSeq: number, limit: number) => Promise<Row[]>,
  keep: (row: Row) => boolean,
  limit: number,
  afterSeq: number,
): Promise<FilteredPage<Row>> {
  const rows: Row[] = [];
  let cursor = afterSeq;
  const chunk = Math.max(limit, 100);
  for (;;) {
    const batch = await read(cursor, chunk);
    for (const row of batch) {
      cursor = row.seq;
      if (!keep(row)) continue;
      rows.push(row);
      if (rows.length === limit) return { rows, next: row === batch[batch.length - 1] && batch.length < chunk ? undefined : cursor };
    }
    if (batch.length < chunk) return { rows, next: undefined };
  }
}

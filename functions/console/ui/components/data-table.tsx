// A table with a caption and column headers; rows scroll sideways on narrow screens instead of squeezing.
import type { ComponentChildren } from "preact";

export interface Column<Row> {
  header: string;
  cell(row: Row): ComponentChildren;
  /** Right-align numbers. */
  numeric?: boolean;
}

export function DataTable<Row>({ caption, columns, rows, empty, rowKey }: { caption: string; columns: Column<Row>[]; rows: readonly Row[]; empty: ComponentChildren; rowKey(row: Row): string }) {
  return (
    <div class="table-wrap" role="region" aria-label={caption} tabIndex={0}>
      <table>
        <caption class="visually-hidden">{caption}</caption>
        <thead>
          <tr>
            {columns.map((column) => (
              <th scope="col" class={column.numeric ? "numeric" : undefined}>
                {column.header}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.length === 0 ? (
            <tr>
              <td colSpan={columns.length} class="empty">
                {empty}
              </td>
            </tr>
          ) : (
            rows.map((row) => (
              <tr key={rowKey(row)}>
                {columns.map((column, index) =>
                  index === 0 ? (
                    <th scope="row" class={column.numeric ? "numeric" : undefined}>
                      {column.cell(row)}
                    </th>
                  ) : (
                    <td class={column.numeric ? "numeric" : undefined}>{column.cell(row)}</td>
                  ),
                )}
              </tr>
            ))
          )}
        </tbody>
      </table>
    </div>
  );
}

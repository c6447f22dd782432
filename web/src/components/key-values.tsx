import type { ComponentChildren } from 'preact';

/** A two-column table of named values; rows whose value is undefined are left out. */
export function KeyValues({ rows }: { rows: [string, ComponentChildren][] }) {
  return (
    <table class="kv">
      <tbody>
        {rows
          .filter(([, v]) => v !== undefined)
          .map(([k, v]) => (
            <tr key={k}>
              <th>{k}</th>
              <td>{v === null || v === '' ? <span class="muted">—</span> : v}</td>
            </tr>
          ))}
      </tbody>
    </table>
  );
}

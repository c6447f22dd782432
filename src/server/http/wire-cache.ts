// Answers that are built once per version of what they show: a job's wire
// object, serialized, is kept under its id and version (server/http/etag.ts
// reads the version first anyway), so a poller's repeated read, and every job
// of a list page that did not change, costs no decoding, mapping or
// serializing. The version comes from the database on every request, so a
// write on another replica is seen at once; only memory is saved here.

/** About 1.5 KB a job: a few MB at most. */
const MAX_ENTRIES = 4000;

export class WireCache {
  private readonly entries = new Map<string, string>();

  constructor(private readonly max = MAX_ENTRIES) {}

  get(key: string): string | undefined {
    return this.entries.get(key);
  }

  /** The JSON text kept under `key`, or `build()`'s, serialized and kept. */
  json(key: string, build: () => unknown): string {
    const hit = this.entries.get(key);
    if (hit !== undefined) return hit;
    const text = JSON.stringify(build());
    // Oldest first: Map keeps insertion order, so the first key is the one to drop.
    if (this.entries.size >= this.max) this.entries.delete(this.entries.keys().next().value!);
    this.entries.set(key, text);
    return text;
  }
}

/** A list page from answers already serialized, as `{object: 'list', data, …rest}` would serialize. */
export const jsonList = (items: string[], rest: Record<string, unknown>): string =>
  `{"object":"list","data":[${items.join(',')}]${Object.entries(rest).map(([k, v]) => `,${JSON.stringify(k)}:${JSON.stringify(v)}`).join('')}}`;

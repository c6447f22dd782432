/**
 * How deeply objects and arrays may nest in one example. Real chat data nests
 * about 8 deep (a tool's JSON-schema parameters a few more); the walkers after
 * JSON.parse (zod, the trainer's Python json module) recurse, so a line nested
 * 100,000 deep must be refused before them.
 */
export const MAX_JSON_DEPTH = 64;

/** Whether a JSON text nests objects/arrays deeper than `limit`; a loop over the characters, never recursion. */
export function nestedDeeperThan(json: string, limit: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < json.length; i++) {
    const c = json.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) {
      if (++depth > limit) return true;
    } else if (c === 0x7d || c === 0x5d) depth--;
  }
  return false;
}

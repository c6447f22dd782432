// OpenAI-style ids are the record's UUID in base62 (src/ids/ids.ts on the
// server); the Mistral routes take the UUID itself.

const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

export function openAiIdToUuid(id: string): string | null {
  const digits = id.slice(id.indexOf('-') + 1);
  if (!/^[0-9A-Za-z]{24}$/.test(digits)) return null;
  let n = 0n;
  for (const ch of digits) n = n * 62n + BigInt(ALPHABET.indexOf(ch));
  const hex = n.toString(16).padStart(32, '0');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

// Base model ids are folder names in the models directory: `name`, or a
// Hugging Face repository id `org/name` (one level of nesting). Each segment
// is what the Hub allows — letters, digits, '-', '_', '.' — so an id can never
// climb out of the models directory ('..', an absolute path, more slashes).

const SEGMENT = /^[A-Za-z0-9][A-Za-z0-9._-]{0,95}$/;

export interface BaseModelId {
  id: string;
  segments: [string] | [string, string];
}

/** The id's folder segments, or null when it is not a valid base model id. */
export function parseBaseModelId(id: string): BaseModelId | null {
  const segments = id.split('/');
  if (segments.length > 2 || !segments.every((s) => SEGMENT.test(s) && !s.includes('..'))) return null;
  return { id, segments: segments as BaseModelId['segments'] };
}

/** Why a text is not a base model id (for 400 messages), or null when it is one. */
export function baseModelIdProblem(id: string): string | null {
  if (parseBaseModelId(id)) return null;
  return `'${id}' is not a model id: expected NAME or ORG/NAME, each part letters, digits, '-', '_' or '.' (no '..')`;
}

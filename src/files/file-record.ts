/** Purposes a client may upload with (OpenAI's list plus Mistral's `ocr`/`audio`). */
export const UPLOAD_PURPOSES = ['fine-tune', 'batch', 'assistants', 'vision', 'user_data', 'evals', 'ocr', 'audio'] as const;
export type UploadPurpose = (typeof UPLOAD_PURPOSES)[number];

/** Purpose of the metrics file a finished job produces. */
export const RESULTS_PURPOSE = 'fine-tune-results';

/** C0 and C1 control characters (and DEL): they break logs, terminals and download headers. */
const CONTROL_CHARACTER = /[\u0000-\u001f\u007f-\u009f]/;

/** Why a filename is refused, or null. Any other UTF-8 name is kept as sent. */
export function filenameProblem(filename: string | undefined): string | null {
  const at = filename ? filename.search(CONTROL_CHARACTER) : -1;
  if (at < 0) return null;
  const code = filename!.codePointAt(at)!.toString(16).padStart(4, '0');
  return `The filename contains a control character (U+${code.toUpperCase()} at position ${at}); rename the file and upload it again.`;
}

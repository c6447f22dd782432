/** Purposes a client may upload with (OpenAI's list plus Mistral's `ocr`/`audio`). */
export const UPLOAD_PURPOSES = ['fine-tune', 'batch', 'assistants', 'vision', 'user_data', 'evals', 'ocr', 'audio'] as const;
export type UploadPurpose = (typeof UPLOAD_PURPOSES)[number];

/** Purpose of the metrics file a finished job produces. */
export const RESULTS_PURPOSE = 'fine-tune-results';

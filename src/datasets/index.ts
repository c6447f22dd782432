// Public surface of the dataset validator: upload check, job-time validation,
// the job error built from a report, and classifier target discovery.
export type { DatasetExpectation, DatasetFormat, DatasetIssue, DatasetReport, SampleType } from './types.ts';
export { checkJsonlUpload, type UploadCheck } from './upload.ts';
export { validateDataset, type ValidateOptions } from './validate.ts';
export { datasetError, type DatasetErrorOptions, type DatasetJobError } from './report.ts';
export { collectClassifierTargets, type ClassifierTarget } from './targets.ts';
export { MAX_LINE_BYTES } from './lines.ts';

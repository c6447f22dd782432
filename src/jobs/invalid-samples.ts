import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type DatasetExpectation, type DatasetReport, validateDataset } from '../datasets/index.ts';
import { readLines } from '../datasets/lines.ts';

/** Something validation did that the job's events should tell. */
export interface InputNote {
  message: string;
  data: Record<string, unknown>;
}

/**
 * When a file's invalid lines are within `share` of its lines, writes a copy
 * without them into `dir` (the trainer reads that instead) and says which were
 * skipped; null when the file must be refused or needs no filtering.
 */
export async function skipInvalidSamples(
  file: { id: string; path: string; report: DatasetReport },
  share: number,
  expect: DatasetExpectation,
  dir: string,
): Promise<{ path: string; note: InputNote } | null> {
  const { report } = file;
  if (report.issueCount === 0 || report.examples === 0 || report.issueCount > share * report.lines) return null;
  const all = await validateDataset(file.path, { expect, maxIssues: report.issueCount });
  const bad = new Set(all.issues.map((i) => i.line));
  const kept: string[] = [];
  for await (const raw of readLines(file.path)) if (!bad.has(raw.line) && raw.text !== null) kept.push(raw.text);
  const path = join(dir, `${file.id}.jsonl`);
  await writeFile(path, kept.join('\n') + '\n');
  const lines = [...bad].sort((a, b) => a - b);
  return {
    path,
    note: {
      message: `Skipped ${bad.size} invalid sample(s) of ${report.lines} in file ${file.id} (lines ${lines.slice(0, 20).join(', ')}${lines.length > 20 ? ', …' : ''}), within invalid_sample_skip_percentage=${share}`,
      data: { skipped_samples: bad.size, file_id: file.id, lines, first_problems: all.issues.slice(0, 5).map((i) => `line ${i.line}: ${i.message}`) },
    },
  };
}

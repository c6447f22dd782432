// The protocol between the server and the warm token counter: one JSON object
// per line each way, every request tagged with an id its answer carries.
// (trainer/selftune_trainer/token_count_server.py is the other side.)
import { parseTrainerLine } from '../executors/trainer-protocol.ts';

/** One JSONL file as the trainer would read it: the examples it trains on and their tokens. */
export interface FileTokens {
  path: string;
  examples: number;
  tokens: number;
}

/** Count `files` (local paths the helper reads itself) with the tokenizer of the model folder `model`. */
export interface CountRequest {
  op: 'count';
  id: string;
  model: string;
  files: string[];
}

export type CountReply =
  | { event: 'ready' }
  | { event: 'log'; level: string; message: string }
  | { event: 'counted'; id: string; files: FileTokens[] }
  | { event: 'error'; id: string; code: string; message: string };

/** The trainer's line rules: a JSON object with an `event` is a protocol line, stray text becomes a log line. */
export const parseCountLine = (line: string): CountReply | null => parseTrainerLine(line) as CountReply | null;

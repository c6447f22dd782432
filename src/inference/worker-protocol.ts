// The protocol between the server and the warm inference worker: one JSON
// object per line each way, every request tagged with an id its replies carry.
// (trainer/selftune_trainer/inference/server.py is the other side.)
import { parseTrainerLine } from '../executors/trainer-protocol.ts';

/** How the worker finds a model's weights. A LoRA adapter names the base it applies to. */
export type WorkerModel =
  | { key: string; kind: 'base' | 'full'; path: string }
  /** A LoRA classifier names its base (`base_path`): the path it was saved with belongs to the machine that trained it. */
  | { key: string; kind: 'classifier'; path: string; base_path: string | null }
  | { key: string; kind: 'lora'; path: string; base_path: string };

export type WorkerRequest =
  | {
      op: 'generate';
      id: string;
      model: WorkerModel;
      messages: Array<{ role: string; content: string }>;
      max_tokens: number | null;
      temperature: number;
      top_p: number;
      seed: number | null;
      stop: string[];
      n: number;
    }
  | { op: 'classify'; id: string; model: WorkerModel; inputs: unknown[] }
  | { op: 'cancel'; id: string }
  | { op: 'unload'; path: string };

export type WorkerReply =
  | { id: string; event: 'delta'; index: number; text: string }
  | { id: string; event: 'finish'; index: number; finish_reason: 'stop' | 'length' }
  | {
      id: string;
      event: 'done';
      prompt_tokens: number;
      completion_tokens: number;
      choices: Array<{ index: number; text: string; finish_reason: 'stop' | 'length' }>;
    }
  | { id: string; event: 'result'; result: unknown }
  | { id: string; event: 'error'; code: string; message: string };

export type WorkerLine = WorkerReply | { event: 'log'; level: string; message: string } | { event: 'ready' };

/** The trainer's line rules: a JSON object with an `event` is a protocol line, stray text becomes a log line. */
export const parseWorkerLine = (line: string): WorkerLine | null => parseTrainerLine(line) as WorkerLine | null;

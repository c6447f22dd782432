import { randomInt, randomUUID } from 'node:crypto';
import { appError, invalidRequest } from '../errors/app-error.ts';
import type { CatalogModel } from '../models/model-catalog.ts';
import type { ExternalServer } from './external-server.ts';
import type { ClassifyInput, ClassifyOutput, Generation, GenerationParams } from './generation.ts';
import type { InferenceWorker } from './inference-worker.ts';
import type { ModelResolver, ResolvedModel } from './model-resolver.ts';
import { primed, replayingCrashes } from './replay.ts';
import { isWorkerCrash, workerError } from './worker-errors.ts';

/**
 * Calls models: the built-in warm worker by default, or an external
 * OpenAI-compatible server for bases configured in SELFTUNE_EXTERNAL_INFERENCE
 * (their LoRA adapters go there too; full-weight fine-tunes stay local).
 */
export class InferenceService {
  constructor(
    private readonly resolver: ModelResolver,
    private readonly worker: InferenceWorker,
    private readonly external: ReadonlyMap<string, ExternalServer>,
    /** Times a request caught in a worker crash is sent again to the restarted worker. */
    private readonly crashReplays: number,
  ) {}

  /** Resolves the model first (unknown or unready models fail before any byte is streamed). */
  async generate(orgId: string, modelId: string, params: GenerationParams): Promise<Generation> {
    const model = await this.resolver.resolve(orgId, modelId);
    if (model.modelType !== 'completion') {
      throw invalidRequest(`The model '${modelId}' is a classifier; call it through the classification endpoints.`, 'model', 'model_not_supported');
    }
    const external = this.externalFor(model);
    return external ? external.generate(model, params) : await this.generateLocally(model, params);
  }

  async classify(orgId: string, modelId: string, inputs: ClassifyInput[]): Promise<ClassifyOutput[]> {
    const model = await this.resolver.resolve(orgId, modelId);
    if (model.modelType !== 'classifier') throw invalidRequest(`The model '${modelId}' is not a classifier.`, 'model', 'model_not_supported');
    for (let replay = 0; ; replay++) {
      try {
        for await (const reply of this.worker.request({ op: 'classify', id: randomUUID(), model: model.worker, inputs })) {
          if (reply.event === 'error') throw workerError(reply.code, reply.message);
          if (reply.event === 'result') return reply.result as ClassifyOutput[];
        }
        break;
      } catch (err) {
        if (!isWorkerCrash(err) || replay >= this.crashReplays) throw err; // caught in a worker crash: ask its successor
      }
    }
    throw appError('internal_error', 'The inference worker gave no classification result.');
  }

  /** Frees a model's memory (it is being deleted); cheap when it was never loaded. */
  async unload(orgId: string, model: CatalogModel): Promise<void> {
    const resolved = await this.resolver.locate(orgId, model).catch(() => null);
    if (!resolved) return;
    this.worker.notify({ op: 'unload', path: resolved.worker.path });
    await this.externalFor(resolved)?.unload(resolved);
  }

  close(): Promise<void> {
    return this.worker.stop();
  }

  private externalFor(model: ResolvedModel): ExternalServer | undefined {
    return model.worker.kind === 'base' || model.worker.kind === 'lora' ? this.external.get(model.root) : undefined;
  }

  private async generateLocally(model: ResolvedModel, p: GenerationParams): Promise<Generation> {
    // A seed of our own when the caller gave none, so that a replay after a worker crash reproduces the text already sent.
    const seed = p.seed ?? randomInt(2 ** 47);
    let id = '';
    const attempt = () => {
      id = randomUUID();
      return this.worker.request({
        op: 'generate', id, model: model.worker, messages: p.messages,
        max_tokens: p.maxTokens, temperature: p.temperature, top_p: p.topP, seed, stop: p.stop, n: p.n,
      });
    };
    return { events: await primed(replayingCrashes(attempt, this.crashReplays)), cancel: () => this.worker.notify({ op: 'cancel', id }) };
  }
}

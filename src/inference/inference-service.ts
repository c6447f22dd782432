import { randomInt, randomUUID } from 'node:crypto';
import { AppError, appError, invalidRequest } from '../errors/app-error.ts';
import type { CatalogModel, ModelCatalog } from '../models/model-catalog.ts';
import type { Tenant } from '../tenancy/principal.ts';
import type { ExternalServer } from './external-server.ts';
import type { ClassifyInput, ClassifyOutput, Generation, GenerationParams } from './generation.ts';
import type { InferenceWorker } from './inference-worker.ts';
import type { ModelResolver, ResolvedModel } from './model-resolver.ts';
import { primed, replayingCrashes } from './replay.ts';
import { ServedModels } from './served-models.ts';
import { isWorkerCrash, workerError } from './worker-errors.ts';

/**
 * Calls models: the built-in warm worker by default, or an external
 * OpenAI-compatible server for bases configured in SELFTUNE_EXTERNAL_INFERENCE
 * (their LoRA adapters go there too; full-weight fine-tunes stay local).
 */
export class InferenceService {
  private readonly served: ServedModels;

  constructor(
    private readonly resolver: ModelResolver,
    private readonly worker: InferenceWorker,
    private readonly external: ReadonlyMap<string, ExternalServer>,
    /** Times a request caught in a worker crash is sent again to the restarted worker. */
    private readonly crashReplays: number,
    catalog: ModelCatalog,
  ) {
    this.served = new ServedModels(catalog, (model) => this.unloadResolved(model));
  }

  /** With models shared through object storage: also drop, now and then, the models other servers deleted. */
  watchDeletes(onError: (err: unknown) => void, intervalMs?: number): void {
    this.served.start(onError, intervalMs);
  }

  /** Resolves the model first (unknown or unready models fail before any byte is streamed). */
  async generate(tenant: Tenant, modelId: string, params: GenerationParams): Promise<Generation> {
    const model = await this.resolve(tenant, modelId);
    if (model.modelType !== 'completion') {
      throw invalidRequest(`The model '${modelId}' is a classifier; call it through the classification endpoints.`, 'model', 'model_not_supported');
    }
    const external = this.externalFor(model);
    return external ? external.generate(model, params) : await this.generateLocally(model, params);
  }

  async classify(tenant: Tenant, modelId: string, inputs: ClassifyInput[]): Promise<ClassifyOutput[]> {
    const model = await this.resolve(tenant, modelId);
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

  /** Frees a model's memory (it is being deleted through this server, which removes its files); nothing to do when it was never served. */
  unload(model: CatalogModel): Promise<void> {
    return this.served.drop(model.id, false);
  }

  async close(): Promise<void> {
    await this.served.stop();
    await this.worker.stop();
  }

  /** A model this server served that the database no longer has was deleted through another server: stop holding it before answering 404. */
  private async resolve(tenant: Tenant, modelId: string): Promise<ResolvedModel> {
    try {
      const model = await this.resolver.resolve(tenant, modelId);
      this.served.note(model);
      return model;
    } catch (err) {
      if (err instanceof AppError && err.status === 404) await this.served.dropDeleted(modelId);
      throw err;
    }
  }

  private async unloadResolved(model: ResolvedModel): Promise<void> {
    this.worker.notify({ op: 'unload', path: model.worker.path });
    await this.externalFor(model)?.unload(model);
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

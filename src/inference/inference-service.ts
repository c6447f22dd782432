import { randomUUID } from 'node:crypto';
import { appError, invalidRequest } from '../errors/app-error.ts';
import type { CatalogModel } from '../models/model-catalog.ts';
import type { ExternalServer } from './external-server.ts';
import type { ClassifyInput, ClassifyOutput, Generation, GenerationEvent, GenerationParams } from './generation.ts';
import type { InferenceWorker } from './inference-worker.ts';
import type { ModelResolver, ResolvedModel } from './model-resolver.ts';
import { workerError } from './worker-errors.ts';

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
  ) {}

  /** Resolves the model first (unknown or unready models fail before any byte is streamed). */
  async generate(orgId: string, modelId: string, params: GenerationParams): Promise<Generation> {
    const model = await this.resolver.resolve(orgId, modelId);
    if (model.modelType !== 'completion') {
      throw invalidRequest(`The model '${modelId}' is a classifier; call it through the classification endpoints.`, 'model', 'model_not_supported');
    }
    const external = this.externalFor(model);
    return external ? external.generate(model, params) : this.generateLocally(model, params);
  }

  async classify(orgId: string, modelId: string, inputs: ClassifyInput[]): Promise<ClassifyOutput[]> {
    const model = await this.resolver.resolve(orgId, modelId);
    if (model.modelType !== 'classifier') throw invalidRequest(`The model '${modelId}' is not a classifier.`, 'model', 'model_not_supported');
    for await (const reply of this.worker.request({ op: 'classify', id: randomUUID(), model: model.worker, inputs })) {
      if (reply.event === 'error') throw workerError(reply.code, reply.message);
      if (reply.event === 'result') return reply.result as ClassifyOutput[];
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

  private generateLocally(model: ResolvedModel, p: GenerationParams): Generation {
    const id = randomUUID();
    const replies = this.worker.request({
      op: 'generate', id, model: model.worker, messages: p.messages,
      max_tokens: p.maxTokens, temperature: p.temperature, top_p: p.topP, seed: p.seed, stop: p.stop, n: p.n,
    });
    async function* events(): AsyncGenerator<GenerationEvent> {
      for await (const r of replies) {
        if (r.event === 'delta') yield { type: 'delta', index: r.index, text: r.text };
        else if (r.event === 'finish') yield { type: 'finish', index: r.index, finishReason: r.finish_reason };
        else if (r.event === 'error') throw workerError(r.code, r.message);
        else if (r.event === 'done') {
          const choices = r.choices.map((c) => ({ index: c.index, text: c.text, finishReason: c.finish_reason }));
          yield { type: 'done', result: { promptTokens: r.prompt_tokens, completionTokens: r.completion_tokens, choices } };
        }
      }
    }
    return { events: events(), cancel: () => this.worker.notify({ op: 'cancel', id }) };
  }
}

import { appError } from '../errors/app-error.ts';
import type { Generation, GenerationEvent, GenerationParams, FinishReason } from './generation.ts';
import type { ResolvedModel } from './model-resolver.ts';
import { sseData } from './sse-data.ts';

interface ExternalChunk {
  choices?: Array<{ index: number; delta?: { content?: string | null }; finish_reason?: string | null }>;
  usage?: { prompt_tokens?: number; completion_tokens?: number } | null;
  error?: { message?: string };
}

/**
 * An OpenAI-compatible server that serves one base model and loads LoRA
 * adapters at runtime (vLLM `--enable-lora` with
 * VLLM_ALLOW_RUNTIME_LORA_UPDATING=True). The base is addressed by its
 * selftune name (`--served-model-name`), an adapter by its model id; the
 * adapter path must be readable by that server (same machine or shared disk).
 */
export class ExternalServer {
  private readonly loaded = new Map<string, Promise<void>>();

  constructor(
    readonly root: string,
    readonly url: string,
  ) {}

  async generate(model: ResolvedModel, p: GenerationParams): Promise<Generation> {
    if (model.worker.kind === 'lora') await this.load(model.id, model.worker.path);
    const abort = new AbortController();
    const response = await this.post('/v1/chat/completions', {
      model: model.worker.kind === 'lora' ? model.id : this.root,
      messages: p.messages, max_tokens: p.maxTokens ?? undefined, temperature: p.temperature, top_p: p.topP,
      seed: p.seed ?? undefined, stop: p.stop.length ? p.stop : undefined, n: p.n,
      stream: true, stream_options: { include_usage: true },
    }, abort.signal);
    return { events: translate(response.body!, p.n), cancel: () => abort.abort() };
  }

  async unload(model: ResolvedModel): Promise<void> {
    if (model.worker.kind !== 'lora' || !this.loaded.has(model.id)) return;
    this.loaded.delete(model.id);
    // Best effort: a server that lost the adapter (restarted) has nothing to unload.
    await this.post('/v1/unload_lora_adapter', { lora_name: model.id }).catch(() => {});
  }

  /** Loads an adapter once; concurrent first requests share the one load. */
  private load(name: string, path: string): Promise<void> {
    let loading = this.loaded.get(name);
    if (!loading) {
      loading = this.post('/v1/load_lora_adapter', { lora_name: name, lora_path: path }).then(() => {});
      loading.catch(() => this.loaded.delete(name));
      this.loaded.set(name, loading);
    }
    return loading;
  }

  private async post(path: string, body: unknown, signal?: AbortSignal): Promise<Response> {
    const response = await fetch(`${this.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body), signal }).catch((err: Error) => {
      throw unavailable(`The external inference server for '${this.root}' at ${this.url} cannot be reached: ${err.message}`);
    });
    if (!response.ok) throw unavailable(`The external inference server for '${this.root}' answered ${path} with ${response.status}: ${(await response.text()).slice(0, 500)}`);
    return response;
  }
}

const unavailable = (message: string) => appError('external_inference_failed', message);

/** Its SSE chunks as our events; usage from the final chunk (counted from deltas if it sends none). */
async function* translate(body: ReadableStream<Uint8Array>, n: number): AsyncGenerator<GenerationEvent> {
  const texts = Array.from({ length: n }, () => '');
  const reasons: FinishReason[] = Array.from({ length: n }, () => 'stop');
  let usage: ExternalChunk['usage'] = null;
  let deltas = 0;
  for await (const data of sseData(body)) {
    if (data === '[DONE]') break;
    const chunk = JSON.parse(data) as ExternalChunk;
    if (chunk.error) throw unavailable(`The external inference server failed: ${chunk.error.message ?? data}`);
    if (chunk.usage) usage = chunk.usage;
    for (const c of chunk.choices ?? []) {
      if (c.delta?.content) {
        texts[c.index] += c.delta.content;
        deltas += 1;
        yield { type: 'delta', index: c.index, text: c.delta.content };
      }
      if (c.finish_reason) {
        reasons[c.index] = c.finish_reason === 'length' ? 'length' : 'stop';
        yield { type: 'finish', index: c.index, finishReason: reasons[c.index]! };
      }
    }
  }
  const choices = texts.map((text, index) => ({ index, text, finishReason: reasons[index]! }));
  yield { type: 'done', result: { promptTokens: usage?.prompt_tokens ?? 0, completionTokens: usage?.completion_tokens ?? deltas, choices } };
}

/** `base=url,base2=url2` (SELFTUNE_EXTERNAL_INFERENCE) as servers by base model. */
export function externalServers(spec: Record<string, string>): Map<string, ExternalServer> {
  return new Map(Object.entries(spec).map(([root, url]) => [root, new ExternalServer(root, url.replace(/\/+$/, ''))]));
}

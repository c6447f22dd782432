import { mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { invalidRequest } from '../errors/app-error.ts';
import type { ModelResolver } from '../inference/model-resolver.ts';
import type { JobsService } from '../jobs/jobs.service.ts';
import { runPythonTool } from '../jobs/python-tool.ts';
import { type Tenant, tenantOfRow } from '../tenancy/principal.ts';
import type { ModelCatalog } from './model-catalog.ts';

/** A standalone Hugging Face folder written for one download; remove it once sent. */
export interface ExportedModel {
  dir: string;
  remove(): Promise<void>;
}

export interface ModelExporterOptions {
  python: string;
  trainerDir: string;
  /** Where export folders are written (on the data disk: files are hard-linked, not copied). */
  tmpDir: string;
}

/**
 * Fine-tuned models as folders plain transformers / PEFT / vLLM load: a full
 * fine-tune as is, a LoRA adapter naming its base by model id, or (merged) the
 * adapter folded into its base, written by `selftune_trainer export-model`.
 */
export class ModelExporter {
  constructor(
    private readonly catalog: ModelCatalog,
    private readonly resolver: ModelResolver,
    private readonly jobs: JobsService,
    private readonly opts: ModelExporterOptions,
  ) {}

  /** A model the tenant may use: its project's own or one shared with it. */
  async export(tenant: Tenant, id: string, merged: boolean): Promise<ExportedModel> {
    const model = await this.catalog.require(tenant, id);
    if (model.kind === 'base') throw invalidRequest(`The model '${id}' is a base model: its folder in the models directory is already a Hugging Face folder.`, 'model', 'model_not_exportable');
    const { worker } = await this.resolver.locate(model);
    if (worker.kind === 'classifier') throw invalidRequest(`The model '${id}' is a classifier; only completion models can be exported.`, 'model', 'model_not_exportable');
    if (merged && worker.kind !== 'lora') throw invalidRequest(`The model '${id}' has full weights; merged applies to LoRA fine-tunes only.`, 'merged', 'invalid_value');
    const dir = await mkdtemp(join(this.opts.tmpDir, 'export-'));
    const out = join(dir, 'model');
    const args = ['export-model', '--model-dir', worker.path, '--kind', worker.kind, '--out', out];
    if (worker.kind === 'lora') {
      // The base as clients name it: the model the job was created on.
      const baseId = (await this.jobs.get(tenantOfRow(model.row), model.row.job_id).catch(() => null))?.model ?? model.row.base_model;
      args.push('--base-path', worker.base_path, '--base-id', baseId, ...(merged ? ['--merged'] : []));
    }
    const remove = () => rm(dir, { recursive: true, force: true });
    try {
      await runPythonTool(this.opts, args);
    } catch (err) {
      await remove();
      throw err;
    }
    return { dir: out, remove };
  }
}

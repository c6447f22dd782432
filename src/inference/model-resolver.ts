import { readFile, stat } from 'node:fs/promises';
import { isAbsolute, join } from 'node:path';
import { AppError, appError } from '../errors/app-error.ts';
import { toOpenAiId } from '../ids/ids.ts';
import { JOB_STATUS, TERMINAL_STATUSES } from '../jobs/job-status.ts';
import type { JobsService } from '../jobs/jobs.service.ts';
import type { CatalogModel, ModelCatalog } from '../models/model-catalog.ts';
import { type Tenant, tenantOfRow } from '../tenancy/principal.ts';
import type { WorkerModel } from './worker-protocol.ts';

/** A callable model: where its weights are, and the base model at the root of its lineage. */
export interface ResolvedModel {
  id: string;
  root: string;
  modelType: 'completion' | 'classifier';
  worker: WorkerModel;
  /** A trained model's folder, relative to the data directory (null for a base model). */
  trained: { rel: string; kind: 'fine-tuned' | 'checkpoint' } | null;
}

const UNFINISHED = Object.values(JOB_STATUS).filter((s) => !TERMINAL_STATUSES.includes(s));

export class ModelResolver {
  constructor(
    private readonly catalog: ModelCatalog,
    private readonly jobs: JobsService,
    private readonly dataDir: string,
  ) {}

  /** A model the tenant may call: a base model, its project's own, or one shared with it. */
  async resolve(tenant: Tenant, id: string): Promise<ResolvedModel> {
    const model = await this.catalog.get(tenant, id);
    if (!model) throw await this.missing(tenant, id);
    return this.locate(model);
  }

  /** Where the model's weights are on this server; a trained model's folder is fetched from object storage first if this server lacks it. */
  async locate(model: CatalogModel): Promise<ResolvedModel> {
    if (model.kind === 'base') return { id: model.id, root: model.id, modelType: 'completion', worker: { key: model.id, kind: 'base', path: model.base.path }, trained: null };
    const { row } = model;
    // The model's lineage is looked up as its own project sees it, whoever calls it.
    const owner = tenantOfRow(row);
    await this.catalog.copies.ensure(row.path);
    const path = join(this.dataDir, row.path);
    const common = { id: model.id, root: row.base_model, trained: { rel: row.path, kind: model.kind } };
    if (row.model_type === 'classifier') {
      const basePath = row.training_mode === 'lora' ? await this.rootBase(row.base_model) : null;
      return { ...common, modelType: 'classifier', worker: { key: model.id, kind: 'classifier', path, base_path: basePath } };
    }
    if (row.training_mode !== 'lora') return { ...common, modelType: 'completion', worker: { key: model.id, kind: 'full', path } };
    return { ...common, modelType: 'completion', worker: { key: model.id, kind: 'lora', path, base_path: await this.adapterBase(owner, path, row.base_model) } };
  }

  /**
   * The weights an adapter was trained on. Its adapter_config.json names the base
   * by model id (a path, for adapters saved by older versions); failing both, the root base model.
   */
  private async adapterBase(owner: Tenant, adapterDir: string, root: string): Promise<string> {
    const config = await readFile(join(adapterDir, 'adapter_config.json'), 'utf8')
      .then((t) => JSON.parse(t) as { base_model_name_or_path?: string })
      .catch(() => ({}) as { base_model_name_or_path?: string });
    const named = config.base_model_name_or_path;
    if (named && isAbsolute(named) && (await stat(join(named, 'config.json')).catch(() => null))) return named;
    const trainable = named && !isAbsolute(named) ? await this.catalog.trainable(owner, named) : undefined;
    if (trainable) return trainable.path;
    return this.rootBase(root);
  }

  /** This server's copy of the base model a trained model started from. */
  private async rootBase(root: string): Promise<string> {
    const base = await this.catalog.base(root);
    if (!base) throw appError('internal_error', `The base model '${root}' of this model is no longer in the models directory.`);
    return base.path;
  }

  /** 404, or a clearer answer when the name is a model a job is still producing. */
  private async missing(tenant: Tenant, id: string): Promise<AppError> {
    if (id.startsWith('ft:')) {
      const jobs = await this.jobs.list({ tenant, limit: 500, status: UNFINISHED });
      const job = jobs.find((j) => j.stats.planned_model === id);
      if (job) {
        return new AppError({
          message: `The model '${id}' is not ready yet: fine-tuning job ${toOpenAiId('job', job.id)} is ${job.status}. It can be called once the job has succeeded.`,
          param: 'model',
          code: 'model_not_ready',
        });
      }
    }
    return this.catalog.notFoundError(id, `The model '${id}' does not exist or you do not have access to it.`);
  }
}

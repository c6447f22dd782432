import { join } from 'node:path';
import type { ModelRow } from '../db/schema.ts';
import { type AppError, appError, invalidRequest, notFound } from '../errors/app-error.ts';
import type { Tenant } from '../tenancy/principal.ts';
import type { BaseModel, BaseModels, UnusableModelFolder } from './base-models.ts';
import type { ModelCopies } from './model-copies.ts';
import type { ModelChanges, ModelsRepository } from './models.repository.ts';

/**
 * Any model a client can name: a base model from the models folder (shared by
 * everyone), or one selftune trained (its project's, and readable by the other
 * projects of its organization when shared with them).
 */
export type CatalogModel =
  | { kind: 'base'; id: string; created: number; base: BaseModel }
  | { kind: 'fine-tuned' | 'checkpoint'; id: string; created: number; row: ModelRow };

export interface TrainableModel {
  /** Directory holding full Hugging Face weights to start from. */
  path: string;
  /** The base model at the root of the lineage, used in the new model's name. */
  root: string;
}

export class ModelCatalog {
  private readonly deleteListeners: Array<(model: CatalogModel) => Promise<void>> = [];

  constructor(
    private readonly bases: BaseModels,
    private readonly repo: ModelsRepository,
    private readonly dataDir: string,
    /** Where trained models' folders come from and go to when servers share an object store. */
    readonly copies: ModelCopies,
  ) {}

  async list(tenant: Tenant): Promise<CatalogModel[]> {
    const [bases, rows] = await Promise.all([this.bases.list(), this.repo.list(tenant)]);
    return [
      ...bases.map((base): CatalogModel => ({ kind: 'base', id: base.id, created: base.created, base })),
      ...rows.map(fromRow),
    ];
  }

  /** Folders in the models directory that cannot be used, each with its reason. */
  async unusable(): Promise<UnusableModelFolder[]> {
    return (await this.bases.scan()).unusable;
  }

  /** 404 for a model id, saying why when a folder of that name exists but cannot be used. */
  async notFoundError(id: string, message = `The model '${id}' does not exist`): Promise<AppError> {
    const reason = await this.bases.unusableReason(id);
    if (reason) return notFound(`The model '${id}' is in the models directory but cannot be used: ${reason}.`, 'model', 'model_not_found');
    return notFound(message, 'model', 'model_not_found');
  }

  async get(tenant: Tenant, id: string): Promise<CatalogModel | undefined> {
    const base = await this.bases.get(id);
    if (base) return { kind: 'base', id, created: base.created, base };
    const row = await this.repo.find(tenant, id);
    return row && fromRow(row);
  }

  /** A base model of the models folder (shared by everyone). */
  async base(id: string): Promise<BaseModel | undefined> {
    return this.bases.get(id);
  }

  async require(tenant: Tenant, id: string): Promise<CatalogModel> {
    const model = await this.get(tenant, id);
    if (!model) throw await this.notFoundError(id);
    return model;
  }

  /** Base models, and fine-tuned models saved with full weights (continued fine-tuning). */
  async trainable(tenant: Tenant, id: string): Promise<TrainableModel | undefined> {
    const model = await this.get(tenant, id);
    if (!model) return undefined;
    if (model.kind === 'base') return { path: model.base.path, root: model.id };
    if (model.row.training_mode !== 'full' || model.row.model_type !== 'completion') return undefined;
    await this.copies.ensure(model.row.path); // trained through another server: its weights are in the store
    return { path: join(this.dataDir, model.row.path), root: model.row.base_model };
  }

  /** Whether the model still exists in any project. */
  exists(id: string): Promise<boolean> {
    return this.repo.exists(id);
  }

  async delete(tenant: Tenant, id: string): Promise<void> {
    const model = await this.owned(tenant, id, 'deleted');
    await this.repo.delete(tenant, id);
    await Promise.all(this.deleteListeners.map((listener) => listener(model)));
    // A checkpoint model's files belong to the job's checkpoint list; a final model's weights go, here and in the store.
    await this.copies.discard(model.row.path, model.kind === 'fine-tuned');
    if (model.kind === 'fine-tuned') await this.copies.removeStored(model.row.path);
  }

  /** Runs after a model is deleted, before its weights are removed (the inference worker unloads it). */
  onDelete(listener: (model: CatalogModel) => Promise<void>): void {
    this.deleteListeners.push(listener);
  }

  /** Renames, describes, (un)archives or shares a model selftune trained; base models are the operator's folders. */
  async update(tenant: Tenant, id: string, changes: ModelChanges): Promise<ModelRow> {
    const model = await this.owned(tenant, id, 'changed');
    // Nothing to change (a PATCH with an empty body) is no UPDATE at all: SQL has no empty SET.
    if (Object.values(changes).every((v) => v === undefined)) return model.row;
    return (await this.repo.update(tenant, id, changes)) ?? model.row;
  }

  /** A trained model of the tenant's own project: 404 when it cannot see it, 403 when it is only shared with it. */
  private async owned(tenant: Tenant, id: string, verb: 'changed' | 'deleted') {
    const model = await this.require(tenant, id);
    if (model.kind === 'base') {
      throw verb === 'deleted'
        ? invalidRequest(`The model '${id}' is a base model; remove its folder from the models directory instead.`, 'model', 'model_not_deletable')
        : invalidRequest(`The model '${id}' is a base model; only fine-tuned models can be changed.`, 'model', 'model_not_editable');
    }
    if (model.row.project_id !== tenant.projectId) {
      throw appError('model_shared_read_only', `The model '${id}' belongs to another project of the organization, which shares it: it may be used here, not ${verb}.`, 'model');
    }
    return model;
  }

  insert(row: ModelRow): Promise<void> {
    return this.repo.insert(row);
  }

  removeCheckpointModel(checkpointId: string): Promise<void> {
    return this.repo.deleteByCheckpoint(checkpointId);
  }
}

const fromRow = (row: ModelRow): CatalogModel => ({
  kind: row.checkpoint_id ? 'checkpoint' : 'fine-tuned',
  id: row.id,
  created: Number(row.created_at),
  row,
});

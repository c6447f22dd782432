import type { ModelCatalog } from '../models/model-catalog.ts';
import type { ResolvedModel } from './model-resolver.ts';

/** How often a server sharing its models checks that the ones it served still exist. */
export const DELETED_MODELS_SWEEP_MS = 60_000;

/**
 * The trained models this server has handed to its inference worker (or an
 * external server), so that a model deleted anywhere stops being held here.
 * A delete through this server unloads it at once (the catalog's delete
 * listener). A delete through another replica is noticed two ways: the next
 * request for it here (the database says it is gone, so before answering 404
 * the worker unloads it and this server's copy of its folder is removed), and
 * a periodic sweep, for a deleted model nobody asks for again, whose weights
 * would otherwise stay in the worker's memory and on this disk.
 */
export class ServedModels {
  private readonly served = new Map<string, ResolvedModel>();
  private timer: NodeJS.Timeout | null = null;
  private sweeping: Promise<void> | null = null;

  constructor(
    private readonly catalog: ModelCatalog,
    private readonly unload: (model: ResolvedModel) => Promise<void>,
  ) {}

  note(model: ResolvedModel): void {
    if (model.trained) this.served.set(model.id, model);
  }

  /** Stops holding a deleted model; `removeCopy` also drops this server's copy of its folder (deleted through another server). */
  async drop(id: string, removeCopy: boolean): Promise<void> {
    const model = this.served.get(id);
    if (!model) return;
    this.served.delete(id);
    await this.unload(model);
    const { trained } = model;
    if (removeCopy && trained) await this.catalog.copies.discard(trained.rel, trained.kind === 'fine-tuned');
  }

  /**
   * A request for a model this server served found no model it may call: when
   * the model is gone from every project it was deleted through another server.
   * (A model only hidden from the caller, another project's or no longer
   * shared, stays.)
   */
  async dropDeleted(id: string): Promise<void> {
    if (this.served.has(id) && !(await this.catalog.exists(id))) await this.drop(id, true);
  }

  /** Drops every served model the database no longer has. */
  sweep(): Promise<void> {
    this.sweeping ??= (async () => {
      for (const id of [...this.served.keys()]) {
        if (!(await this.catalog.exists(id))) await this.drop(id, true);
      }
    })().finally(() => (this.sweeping = null));
    return this.sweeping;
  }

  /** Sweeps on a timer when other servers may delete models (an object store is shared); alone, every delete comes through here. */
  start(onError: (err: unknown) => void, intervalMs = DELETED_MODELS_SWEEP_MS): void {
    if (!this.catalog.copies.shared || this.timer) return;
    this.timer = setInterval(() => void this.sweep().catch(onError), intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.sweeping?.catch(() => {});
  }
}

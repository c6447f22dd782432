import type { Kysely } from 'kysely';
import type { Database, ModelRow } from '../db/schema.ts';
import type { Tenant } from '../tenancy/principal.ts';

/** What a writer of the owning project may change on a fine-tuned model. */
export type ModelChanges = Partial<Pick<ModelRow, 'name' | 'description' | 'archived' | 'shared_with_org'>>;

export class ModelsRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async insert(row: ModelRow): Promise<void> {
    await this.db.insertInto('models').values(row).onConflict((oc) => oc.column('id').doNothing()).execute();
  }

  /** Models the tenant may see: its project's own, and those another project of its organization shares. */
  private visible(tenant: Tenant) {
    return this.db.selectFrom('models').selectAll().where((eb) =>
      eb.or([eb('project_id', '=', tenant.projectId), eb.and([eb('org_id', '=', tenant.orgId), eb('shared_with_org', '=', 1)])]),
    );
  }

  find(tenant: Tenant, id: string): Promise<ModelRow | undefined> {
    return this.visible(tenant).where('id', '=', id).executeTakeFirst();
  }

  list(tenant: Tenant): Promise<ModelRow[]> {
    return this.visible(tenant).orderBy('created_at', 'desc').execute();
  }

  /** Whether the model exists in any project (a server holding it in memory asks whether it was deleted). */
  async exists(id: string): Promise<boolean> {
    return (await this.db.selectFrom('models').select('id').where('id', '=', id).executeTakeFirst()) !== undefined;
  }

  /** Changes a model of the tenant's own project. */
  async update(tenant: Tenant, id: string, changes: ModelChanges): Promise<ModelRow | undefined> {
    return this.db.updateTable('models').set(changes).where('project_id', '=', tenant.projectId).where('id', '=', id).returningAll().executeTakeFirst();
  }

  /** Deletes a model of the tenant's own project. */
  async delete(tenant: Tenant, id: string): Promise<boolean> {
    const res = await this.db.deleteFrom('models').where('project_id', '=', tenant.projectId).where('id', '=', id).executeTakeFirst();
    return res.numDeletedRows > 0n;
  }

  async deleteByCheckpoint(checkpointId: string): Promise<void> {
    await this.db.deleteFrom('models').where('checkpoint_id', '=', checkpointId).execute();
  }
}

import type { Kysely } from 'kysely';
import type { Database, ModelRow } from '../db/schema.ts';

export class ModelsRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async insert(row: ModelRow): Promise<void> {
    await this.db.insertInto('models').values(row).onConflict((oc) => oc.column('id').doNothing()).execute();
  }

  find(orgId: string, id: string): Promise<ModelRow | undefined> {
    return this.db.selectFrom('models').selectAll().where('org_id', '=', orgId).where('id', '=', id).executeTakeFirst();
  }

  list(orgId: string): Promise<ModelRow[]> {
    return this.db.selectFrom('models').selectAll().where('org_id', '=', orgId).orderBy('created_at', 'desc').execute();
  }

  /** Name, description and archived flag: what a client may change on a fine-tuned model. */
  async update(orgId: string, id: string, changes: Partial<Pick<ModelRow, 'name' | 'description' | 'archived'>>): Promise<ModelRow | undefined> {
    return this.db.updateTable('models').set(changes).where('org_id', '=', orgId).where('id', '=', id).returningAll().executeTakeFirst();
  }

  async delete(orgId: string, id: string): Promise<boolean> {
    const res = await this.db.deleteFrom('models').where('org_id', '=', orgId).where('id', '=', id).executeTakeFirst();
    return res.numDeletedRows > 0n;
  }

  async deleteByCheckpoint(checkpointId: string): Promise<void> {
    await this.db.deleteFrom('models').where('checkpoint_id', '=', checkpointId).execute();
  }
}

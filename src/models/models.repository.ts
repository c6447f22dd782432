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

  async delete(orgId: string, id: string): Promise<boolean> {
    const res = await this.db.deleteFrom('models').where('org_id', '=', orgId).where('id', '=', id).executeTakeFirst();
    return res.numDeletedRows > 0n;
  }

  async deleteByCheckpoint(checkpointId: string): Promise<void> {
    await this.db.deleteFrom('models').where('checkpoint_id', '=', checkpointId).execute();
  }
}

/** A W&B integration as the domain reads it, whichever dialect stored it. */
export interface WandbIntegration {
  project: string;
  name: string | null;
  entity: string | null;
  tags: string[];
  run_name: string | null;
}

// OpenAI jobs store `{type: 'wandb', wandb: {project, name, entity, tags}}`;
// Mistral jobs store `{type: 'wandb', project, name, run_name}` (never the key).
export function wandbIntegrations(integrations: unknown[]): WandbIntegration[] {
  return integrations.flatMap((raw) => {
    const i = raw as { type?: string; wandb?: Record<string, unknown> } & Record<string, unknown>;
    if (i.type !== 'wandb') return [];
    const w = i.wandb ?? i;
    return [{
      project: String(w.project ?? ''),
      name: (w.name as string | null | undefined) ?? null,
      entity: (w.entity as string | null | undefined) ?? null,
      tags: (w.tags as string[] | null | undefined) ?? [],
      run_name: (i.run_name as string | null | undefined) ?? null,
    }];
  });
}

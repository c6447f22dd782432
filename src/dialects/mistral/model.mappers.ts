import { unixSeconds } from '../../ids/clock.ts';
import type { CatalogModel } from '../../models/model-catalog.ts';
import { orgSegment } from '../../models/model-names.ts';
import type { ClassifierTarget } from './job-options.ts';

// Catalog models → Mistral's model cards (GET /models) and FT model objects
// (PATCH /fine_tuning/models). The SDK picks the union member by `type` /
// `model_type`, so both are always sent.

type FineTuned = Extract<CatalogModel, { row: unknown }>;

const isClassifier = (m: CatalogModel) => m.kind !== 'base' && m.row.model_type === 'classifier';

function capabilities(m: CatalogModel) {
  const classifier = isClassifier(m);
  const trainable = m.kind === 'base' || (!classifier && m.row.training_mode === 'full');
  return { completion_chat: !classifier, completion_fim: false, function_calling: false, fine_tuning: trainable, vision: false, classification: classifier };
}

export function toModelCard(m: CatalogModel, maxContextLength: number, targets: ClassifierTarget[] | null) {
  const common = {
    id: m.id,
    object: 'model',
    created: unixSeconds(m.created),
    capabilities: capabilities(m),
    max_context_length: maxContextLength,
    aliases: [] as string[],
    deprecation: null,
  };
  if (m.kind === 'base') return { ...common, owned_by: 'selftune', name: m.id, description: m.base.description, type: 'base' as const };
  return {
    ...common,
    owned_by: m.row.org_id,
    name: m.row.name,
    description: m.row.description,
    type: 'fine-tuned' as const,
    job: m.row.job_id,
    root: m.row.base_model,
    archived: Boolean(m.row.archived),
    ...(targets ? { classifier_targets: targets } : {}),
  };
}

export function toFtModelOut(m: FineTuned, maxContextLength: number, targets: ClassifierTarget[] | null) {
  const { vision: _v, ...caps } = capabilities(m);
  const common = {
    id: m.id,
    object: 'model' as const,
    created: unixSeconds(m.created),
    owned_by: m.row.org_id,
    workspace_id: orgSegment(m.row.org_id),
    root: m.row.base_model,
    // selftune keeps one version of each base model folder
    root_version: 'local',
    archived: Boolean(m.row.archived),
    name: m.row.name,
    description: m.row.description,
    capabilities: caps,
    max_context_length: maxContextLength,
    aliases: [] as string[],
    job: m.row.job_id,
  };
  if (isClassifier(m)) return { ...common, model_type: 'classifier' as const, classifier_targets: targets ?? [] };
  return { ...common, model_type: 'completion' as const };
}

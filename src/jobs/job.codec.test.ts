import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { JobRow } from '../db/schema.ts';
import { randomBytes } from 'node:crypto';
import { isSealed, SecretBox } from '../secrets/secret-box.ts';
import { jobChangesToRow, jobFromRow } from './job.codec.ts';

const secrets = new SecretBox(randomBytes(32));

// Rows written by older versions read as typed jobs; what the codec writes reads back the same.

const row = (over: Partial<JobRow>): JobRow => ({
  id: 'j', org_id: 'org-default', project_id: 'proj_default', created_via: 'openai', created_by: null, job_type: 'completion', status: 'queued', model: 'm',
  training_files: '[]', validation_files: '[]', method_type: 'supervised', hyperparameters: '{}', resolved_hyperparameters: null,
  suffix: null, seed: 1, metadata: null, integrations: '[]', auto_start: 1, options: '{}', fine_tuned_model: null, result_files: '[]',
  trained_tokens: null, error: null, stats: '{}', total_steps: null, current_step: 0, estimated_finish: null, control: null,
  locked_by: null, lease_expires_at: null, recoveries: 0, created_at: 1, modified_at: 1, queued_at: null, started_at: null, finished_at: null,
  ...over,
});

test('an older Mistral row: options and integrations typed, behaviour as the Mistral dialect had it', () => {
  const job = jobFromRow(row({
    created_via: 'mistral',
    integrations: JSON.stringify([{ type: 'wandb', project: 'p', name: 'n', run_name: 'r' }]),
    options: JSON.stringify({
      invalid_sample_skip_percentage: 0.1,
      classifier_targets: [{ name: 't', labels: ['a'], weight: 1, loss_function: 'single_class' }],
      repositories: [{ type: 'github', name: 'r', owner: 'o', ref: 'main', weight: 2, commit_id: 'abc', samples_path: '/s.jsonl', samples: 12 }],
      wandb_url: 'file:///run',
    }),
  }));
  assert.deepEqual(job.integrations, [{ type: 'wandb', project: 'p', name: 'n', runName: 'r', entity: null, tags: [] }]);
  assert.deepEqual(job.options, {
    invalidSampleSkipPercentage: 0.1,
    repositories: [{ type: 'github', owner: 'o', name: 'r', ref: 'main', weight: 2, commitId: 'abc', token: null, samples: { path: '/s.jsonl', count: 12 } }],
    classifierTargets: [{ name: 't', labels: ['a'], weight: 1, lossFunction: 'single_class' }],
    wandbUrl: 'file:///run',
    lrSchedule: 'cosine',
    modelNaming: 'mistral',
    estimate: true,
  });
});

test('an older OpenAI row, and options and integrations written then read back unchanged', () => {
  const old = jobFromRow(row({ integrations: JSON.stringify([{ type: 'wandb', wandb: { project: 'p', entity: 'e', tags: ['x'] } }]) }));
  assert.deepEqual(old.integrations, [{ type: 'wandb', project: 'p', name: null, runName: null, entity: 'e', tags: ['x'] }]);
  assert.deepEqual(old.options, { invalidSampleSkipPercentage: 0, repositories: [], classifierTargets: null, wandbUrl: null, lrSchedule: 'linear', modelNaming: 'openai', estimate: false });

  const options = { ...old.options, lrSchedule: 'cosine' as const, repositories: [{ type: 'github' as const, owner: 'o', name: 'r', ref: null, weight: 1, commitId: null, token: 't', samples: null }] };
  const written = jobChangesToRow({ options, integrations: old.integrations }, secrets);
  const again = jobFromRow(row({ options: written.options as string, integrations: written.integrations as string }));
  const token = again.options.repositories[0]!.token!;
  assert.ok(isSealed(token) && secrets.open(token) === 't', 'the token reads back sealed, and opens to itself');
  assert.deepEqual({ ...again.options, repositories: [{ ...again.options.repositories[0]!, token: 't' }] }, options);
  assert.deepEqual(again.integrations, old.integrations);
});

test('secrets are sealed on write; rows from before sealing (plaintext) still open', () => {
  const apiKey = 'w'.repeat(40);
  const integrations = [{ type: 'wandb' as const, project: 'p', name: null, runName: null, entity: null, tags: [], apiKey }];
  const options = { ...jobFromRow(row({})).options, repositories: [{ type: 'github' as const, owner: 'o', name: 'r', ref: null, weight: 1, commitId: null, token: 'ghp_tokenvalue', samples: null }] };
  const written = jobChangesToRow({ options, integrations }, secrets);
  assert.doesNotMatch(`${written.options}${written.integrations}`, /ghp_tokenvalue|wwwwwwwwww/);
  const job = jobFromRow(row({ options: written.options as string, integrations: written.integrations as string }));
  assert.equal(secrets.open(job.integrations[0]!.apiKey!), apiKey);
  assert.equal(secrets.open(job.options.repositories[0]!.token!), 'ghp_tokenvalue');
  assert.equal(jobChangesToRow({ integrations: job.integrations }, secrets).integrations, written.integrations, 'sealing a sealed value keeps it');
  assert.throws(() => new SecretBox(randomBytes(32)).open(job.integrations[0]!.apiKey!), /SELFTUNE_SECRET_KEY differs/);

  const legacy = jobFromRow(row({ options: JSON.stringify({ repositories: [{ name: 'r', owner: 'o', weight: 1, token: 'plain-old' }] }) }));
  assert.equal(secrets.open(legacy.options.repositories[0]!.token!), 'plain-old');
});

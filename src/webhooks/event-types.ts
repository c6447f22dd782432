import type { JobStatus } from '../jobs/job-status.ts';

// The event types an endpoint may subscribe to: exactly the openai SDK's enum
// (WebhookCreateParams.event_types), so an application that subscribes to more
// than fine-tuning keeps working; any other string is refused with a 400.
// selftune emits only the three fine-tuning ones.
export const KNOWN_EVENT_TYPES = [
  'batch.completed', 'batch.failed', 'batch.expired', 'batch.cancelled',
  'response.completed', 'response.failed', 'response.cancelled', 'response.incomplete',
  'eval.run.succeeded', 'eval.run.failed', 'eval.run.canceled',
  'fine_tuning.job.succeeded', 'fine_tuning.job.failed', 'fine_tuning.job.cancelled',
  'realtime.call.incoming', 'video.completed', 'video.failed',
  'agent.environment.ready', 'agent.environment.failed', 'agent.environment.suspended', 'agent.environment.expired',
  'agent.session.created', 'agent.session.action_required', 'agent.session.in_progress', 'agent.session.idle', 'agent.session.failed',
  'safety.alert.created',
] as const;
export type KnownEventType = (typeof KNOWN_EVENT_TYPES)[number];

export const EMITTED_EVENT_TYPES = ['fine_tuning.job.succeeded', 'fine_tuning.job.failed', 'fine_tuning.job.cancelled'] as const;
export type EmittedEventType = (typeof EMITTED_EVENT_TYPES)[number];

/** The event a job's terminal status sends (a job that failed validation has failed, as OpenAI reports it). */
export function eventTypeOf(status: JobStatus): EmittedEventType | null {
  switch (status) {
    case 'succeeded': return 'fine_tuning.job.succeeded';
    case 'failed':
    case 'failed_validation': return 'fine_tuning.job.failed';
    case 'cancelled': return 'fine_tuning.job.cancelled';
    default: return null;
  }
}

export const isEmitted = (type: string): type is EmittedEventType => (EMITTED_EVENT_TYPES as readonly string[]).includes(type);

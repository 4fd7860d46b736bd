import { z, type ZodType } from 'zod';
import { RunStatus } from '../responses.js';
import { Alert, Notification } from './alerting.js';
import { time } from './wire-types.js';

/** The data of each Server-Sent Event the stream routes send, by event name (`message`: unnamed events). */

const metricValue = z.union([z.number(), z.string()]);

export const MetricsEvent = z
  .strictObject({ session_id: z.string(), epoch: z.number().optional(), step: z.number().optional(), timestamp: time })
  .catchall(metricValue)
  .meta({
    id: 'MetricsEvent',
    description: 'One metric record of a run: its epoch and step when it has them, each metric by name (NaN/Infinity as strings), when it was logged',
  });

export const LogEvent = z
  .strictObject({ session_id: z.string(), level: z.string(), stream: z.enum(['stdout', 'stderr', 'agent']), message: z.string(), timestamp: time })
  .meta({ id: 'LogEvent', description: "One line of a run's output, or of the agent about the run" });

export const JobMetricsEvent = z
  .strictObject({ epoch: z.number().optional(), step: z.number().optional(), timestamp: time })
  .catchall(metricValue)
  .meta({ id: 'JobMetricsEvent', description: "Seed 004's bare metric object: epoch and step when the job has them, each metric by name, when it was logged" });

export type StreamEvents = Record<string, { data: ZodType; description: string }>;

const status = { data: RunStatus, description: "The run's status whenever its state changes (the first event of a run stream is its current status)" };
const metrics = { data: MetricsEvent, description: 'A metric record, as the run logs it' };

export const RUN_STREAM_EVENTS: StreamEvents = {
  status,
  metrics,
  log: { data: LogEvent, description: 'A line of output' },
};

/** What the every-run stream takes: whether log lines come too (a dashboard's log pane). */
export const AllRunsStreamQuery = z.object({ logs: z.enum(['true', 'false']).default('false').describe("Send every run's log lines too") });

export const ALL_RUNS_STREAM_EVENTS: StreamEvents = {
  status,
  metrics,
  log: { data: LogEvent, description: 'A line of output (only with ?logs=true)' },
  alert: { data: Alert, description: 'An alert that triggered, was acknowledged or resolved' },
  notification: { data: Notification, description: 'A new notification in the inbox' },
};

export const JOB_STREAM_EVENTS: StreamEvents = {
  message: {
    data: JobMetricsEvent,
    description: 'Unnamed `data:` events (EventSource.onmessage): one metric record each. A status change moves the event id on without data',
  },
};

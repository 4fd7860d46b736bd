/**
 * The public surface a plugin may import (built-ins and third-party packages alike): the contracts, the
 * define* helpers, the outbound HTTP client's types, the record types, and the output half (the store's
 * writer for run output, line splitting and output parsing). Published as `trainer/plugin`; the
 * contract suite for a plugin's own tests is `trainer/plugin/testing`.
 */
export * from './contract.js';
export {
  defineAlertRule,
  defineBackend,
  defineNotifier,
  defineWebhook,
  httpDeliveryResult,
  type DeliveryContext,
  type NotifierSpec,
  type PluginSpec,
  type WebhookSpec,
} from './define.js';
export { OUTBOUND_BODY_CAP_BYTES, outboundFailure, parseJson, type OutboundHttp, type OutboundResponse } from './outbound-http.js';
export type { ExitCause, ExitRecord, LogRecord, MetricRecord } from '../domain/run-records.js';
export type { Recipe } from '../domain/recipe.js';
export { SEVERITIES, type Severity } from '../domain/alerting.js';
export type { BackendHandle } from '../domain/run.js';
export * from './run-output.js';

/**
 * The plugin contract as checks a plugin author runs from their own tests (published as
 * `trainer/plugin/testing`). Framework-neutral: each check is a name and an async function that throws
 * on a breach, so that vitest, node:test or mocha register them as tests:
 *
 *   for (const check of pluginContractChecks(plugin, { target: { channel: '#ml' } })) test(check.name, check.run);
 *
 * The plugin is loaded the way the agent loads it (the same registry, validation and settings), and
 * network-facing plugins deliver to a real HTTP receiver on loopback.
 */
import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createLogger } from '../../logging/logger.js';
import type {
  AlertRule,
  AlertSnapshot,
  InstanceByKind,
  Notifier,
  NotifierMessage,
  NotifierResult,
  PluginKind,
  TrainingBackend,
  Webhook,
  WebhookDelivery,
} from '../contract.js';
import { createOutboundHttp } from '../outbound-http.js';
import { PluginRegistry, keyOf } from '../plugin-registry.js';

export interface ContractCheck {
  name: string;
  run(): Promise<void>;
}

export interface ContractOptions {
  /** Settings the plugin is created with (`plugins.config` in the agent's config file); default `{}`. */
  config?: unknown;
  /** notifier: a valid target that needs no network (the log notifier's `{}`), when `targetForUrl` is not given. */
  target?: unknown;
  /** notifier: the target that sends to a plain HTTP URL (a Slack incoming webhook: `(url) => ({ webhook_url: url })`). */
  targetForUrl?: (url: string) => unknown;
  /** notifier: a value its target schema must refuse; default `42`. */
  invalidTarget?: unknown;
  /** alert-rule: valid parameters of a rule of this type. */
  params?: unknown;
  /** alert-rule: a snapshot on which these parameters fire at least one finding. */
  firingSnapshot?: AlertSnapshot;
}

/** The sample message every notifier must deliver: all fields used, with text that needs escaping. */
export const SAMPLE_MESSAGE: NotifierMessage = {
  event: 'training_failed',
  severity: 'high',
  title: 'Run sess_contract failed <&> "quoted"',
  summary: 'exit code 1 after 3 epochs: *loss* was `nan`',
  fields: [
    { name: 'recipe', value: 'mnist' },
    { name: 'exit code', value: '1' },
  ],
  actions: [{ label: 'Logs', command: 'trainer run logs sess_contract' }],
  runId: 'sess_contract',
  threadRef: null,
};

export const EMPTY_SNAPSHOT: AlertSnapshot = { now: '2026-01-01T00:00:00.000Z', system: null, runs: [] };

/** The checks for one plugin definition (the module's default export). */
export function pluginContractChecks(definition: unknown, options: ContractOptions = {}): ContractCheck[] {
  const kind = (definition as { kind?: PluginKind })?.kind;
  const name = (definition as { name?: string })?.name;
  const label = `${kind ?? '?'}:${name ?? '?'}`;
  const checks: ContractCheck[] = [
    check(`${label}: the agent's registry accepts the definition`, async () => {
      new PluginRegistry(silent).register(definition, 'contract suite');
      const description = (definition as { description?: unknown }).description;
      assert(typeof description === 'string' && description.trim().length > 0, 'a one-line description (shown by GET /plugins)');
    }),
    check(`${label}: it is created from the given settings`, async () => {
      await withInstance(definition, options.config ?? {}, async () => {});
    }),
    check(`${label}: settings it does not know are refused, naming the plugin`, async () => {
      const config = { ...(isObject(options.config) ? options.config : {}), contract_suite_unknown_setting: true };
      const refused = await withInstance(definition, config, async () => {}).then(
        () => null,
        (error: Error) => error,
      );
      assert(
        refused !== null,
        'a settings schema that refuses unknown keys (z.object({...}).strict()): a typo in the config must stop the agent, not be ignored',
      );
      assert(refused.message.includes(`'${name}'`), `the refusal names the plugin: ${refused.message}`);
    }),
  ];
  if (kind === 'notifier') checks.push(...notifierChecks(label, definition, options));
  if (kind === 'webhook') checks.push(...webhookChecks(label, definition, options));
  if (kind === 'alert-rule') checks.push(...alertRuleChecks(label, definition, options));
  if (kind === 'backend') checks.push(...backendChecks(label, definition, options));
  return checks;
}

/** Runs every check and throws one error listing each breach (for a test runner without per-check tests). */
export async function assertPluginContract(definition: unknown, options: ContractOptions = {}): Promise<void> {
  const failures: string[] = [];
  for (const { name, run } of pluginContractChecks(definition, options)) {
    await run().catch((error: Error) => failures.push(`${name}: ${error.message}`));
  }
  if (failures.length > 0) throw new Error(`The plugin breaks its contract:\n- ${failures.join('\n- ')}`);
}

function notifierChecks(label: string, definition: unknown, options: ContractOptions): ContractCheck[] {
  const withNotifier = (use: (notifier: Notifier) => Promise<void>) => withInstance(definition, options.config ?? {}, (instance) => use(instance as Notifier));
  const checks = [
    check(`${label}: send and targetSchema are there`, () =>
      withNotifier(async (instance) => {
        assert(typeof instance.send === 'function', 'a send(message, target) method');
        assert(typeof instance.targetSchema?.safeParse === 'function', 'a zod targetSchema (targets are validated when a route is saved)');
        assert(!instance.targetSchema.safeParse(options.invalidTarget ?? 42).success, 'the target schema refuses an invalid target');
      }),
    ),
  ];
  if (options.target !== undefined) {
    checks.push(
      check(`${label}: delivers the sample message to a valid target`, () =>
        withNotifier(async (instance) => {
          assertResult(await instance.send(SAMPLE_MESSAGE, parseTarget(instance, options.target)), true);
        }),
      ),
    );
  }
  if (options.targetForUrl) {
    const targetForUrl = options.targetForUrl;
    checks.push(
      check(`${label}: delivers to a receiver that accepts, and reports (not throws) one that refuses or is down`, () =>
        withNotifier(async (instance) => {
          await withReceiver(async (receiver) => {
            const accepted = await instance.send(SAMPLE_MESSAGE, parseTarget(instance, targetForUrl(receiver.url('ok'))));
            assertResult(accepted, true);
            assert(receiver.requests.length === 1 && receiver.requests[0]!.body.includes('sess_contract'), 'one request that carries the message');
            assertResult(await instance.send(SAMPLE_MESSAGE, parseTarget(instance, targetForUrl(receiver.url('refuse')))), false);
          });
          assertResult(await instance.send(SAMPLE_MESSAGE, parseTarget(instance, targetForUrl(await closedPortUrl()))), false);
        }),
      ),
    );
  }
  return checks;
}

function webhookChecks(label: string, definition: unknown, options: ContractOptions): ContractCheck[] {
  return [
    check(`${label}: delivers an event to a receiver that accepts, and reports (not throws) one that refuses or is down`, () =>
      withInstance(definition, options.config ?? {}, async (instance) => {
        const webhook = instance as Webhook;
        assert(typeof webhook.deliver === 'function', 'a deliver(delivery) method');
        const delivery = (url: string): WebhookDelivery => ({
          url,
          secret: 'contract-secret',
          event: 'training_finished',
          eventId: 'evt_contract',
          createdAt: new Date().toISOString(),
          payload: { run_id: 'sess_contract' },
        });
        await withReceiver(async (receiver) => {
          assertResult(await webhook.deliver(delivery(receiver.url('ok'))), true);
          assert(receiver.requests.length === 1 && receiver.requests[0]!.body.includes('sess_contract'), 'one request that carries the event');
          assertResult(await webhook.deliver(delivery(receiver.url('refuse'))), false);
        });
        assertResult(await webhook.deliver(delivery(await closedPortUrl())), false);
      }),
    ),
  ];
}

function alertRuleChecks(label: string, definition: unknown, options: ContractOptions): ContractCheck[] {
  const withRule = (use: (instance: AlertRule, params: unknown) => Promise<void>) =>
    withInstance(definition, options.config ?? {}, (instance) => {
      const rule = instance as AlertRule;
      const parsed = rule.paramsSchema.safeParse(options.params ?? {});
      assert(parsed.success, `the sample params are valid: ${parsed.error?.issues.map((issue) => issue.message).join('; ')}`);
      return use(rule, parsed.data);
    });
  const checks = [
    check(`${label}: finds nothing on an empty snapshot, without changing it`, () =>
      withRule(async (instance, valid) => {
        const findings = instance.evaluate(valid, deepFreeze(structuredClone(EMPTY_SNAPSHOT)), new Set());
        assert(Array.isArray(findings) && findings.length === 0, `no findings without runs or readings, got ${JSON.stringify(findings)}`);
      }),
    ),
  ];
  if (options.firingSnapshot) {
    const snapshot = options.firingSnapshot;
    checks.push(
      check(`${label}: fires on the firing snapshot with well-formed, distinct, repeatable findings`, () =>
        withRule(async (instance, valid) => {
          const first = instance.evaluate(valid, deepFreeze(structuredClone(snapshot)), new Set());
          assert(first.length > 0, 'at least one finding on the firing snapshot');
          for (const finding of first)
            assert(
              typeof finding.key === 'string' && finding.key.length > 0 && typeof finding.message === 'string' && finding.message.length > 0,
              `a key and a message: ${JSON.stringify(finding)}`,
            );
          assert(new Set(first.map((finding) => finding.key)).size === first.length, 'distinct keys (the engine tracks each alert by its key)');
          const again = instance.evaluate(valid, deepFreeze(structuredClone(snapshot)), new Set());
          assert(JSON.stringify(again) === JSON.stringify(first), 'the same findings for the same snapshot: evaluate is pure');
        }),
      ),
    );
  }
  return checks;
}

function backendChecks(label: string, definition: unknown, options: ContractOptions): ContractCheck[] {
  return [
    check(`${label}: start, stop and reattach are there`, () =>
      withInstance(definition, options.config ?? {}, async (instance) => {
        const backend = instance as TrainingBackend;
        for (const method of ['start', 'stop', 'reattach'] as const) assert(typeof backend[method] === 'function', `a ${method} method`);
      }),
    ),
  ];
}

const silent = createLogger({ level: 'silent' });

/** Loads the plugin as the agent does (registry, settings validated by its schema), hands over the instance, and closes it after. */
async function withInstance(definition: unknown, config: unknown, use: (instance: InstanceByKind[PluginKind]) => Promise<void>): Promise<void> {
  // the receivers of the checks are on loopback, which an agent refuses unless outbound_allow names it
  const registry = new PluginRegistry(silent, createOutboundHttp({ allow: ['127.0.0.1'] }));
  registry.register(definition, 'contract suite');
  const { kind, name } = definition as { kind: PluginKind; name: string };
  try {
    await registry.instantiateAll({ [keyOf(kind, name)]: config });
    await use(registry.get(kind, name));
  } finally {
    await registry.closeAll();
  }
}

function parseTarget(notifier: Notifier, target: unknown): unknown {
  const parsed = notifier.targetSchema.safeParse(target);
  assert(parsed.success, `the sample target is valid: ${parsed.error?.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ')}`);
  return parsed.data;
}

function assertResult(result: NotifierResult, ok: boolean): void {
  assert(typeof result?.ok === 'boolean', `a result with ok: boolean, got ${JSON.stringify(result)}`);
  assert(result.ok === ok, ok ? `delivered, got ${JSON.stringify(result)}` : `a failure reported as ok: false, got ${JSON.stringify(result)}`);
  if (!ok) assert(typeof result.detail === 'string' && result.detail.length > 0, `a failure says why (detail), got ${JSON.stringify(result)}`);
}

interface Receiver {
  url(path: 'ok' | 'refuse'): string;
  requests: { method: string; path: string; headers: IncomingMessage['headers']; body: string }[];
}

/**
 * A loopback HTTP receiver: `/ok` answers 200 with a body each platform's client accepts (`ok` for a
 * Slack webhook, an object with an id for the others), `/refuse` answers 500.
 */
async function withReceiver(use: (receiver: Receiver) => Promise<void>): Promise<void> {
  const requests: Receiver['requests'] = [];
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      requests.push({ method: request.method ?? '', path: request.url ?? '', headers: request.headers, body: Buffer.concat(chunks).toString('utf8') });
      const refuse = request.url?.startsWith('/refuse');
      response.writeHead(refuse ? 500 : 200, { 'content-type': 'text/plain' }).end(refuse ? '{"message":"refused by the contract suite"}' : 'ok');
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  try {
    await use({ url: (path) => `http://127.0.0.1:${port}/${path}`, requests });
  } finally {
    await close(server);
  }
}

/** A URL on a port that was just free: nothing listens there. */
async function closedPortUrl(): Promise<string> {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  await close(server);
  return `http://127.0.0.1:${port}/down`;
}

const close = (server: Server) => new Promise<void>((resolve) => server.close(() => resolve()));

function check(name: string, run: () => Promise<void>): ContractCheck {
  return { name, run };
}

function assert(condition: unknown, expectation: string): asserts condition {
  if (!condition) throw new Error(`expected ${expectation}`);
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}

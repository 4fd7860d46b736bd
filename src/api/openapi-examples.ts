/**
 * An example for every response the document describes, derived from its JSON Schema so that it
 * cannot drift from the contract: an `example`/`examples` the schema carries (zod `.meta`) wins,
 * otherwise each part gets a plausible value from its type, format, bounds and property name.
 */

type JsonSchema = Record<string, any>;

const EXAMPLE_TIME = '2026-01-15T09:30:00.000Z';
const MAX_DEPTH = 12;

/** Property names whose values look like this in real answers (ids carry their prefix). */
const NAMED_STRINGS: Record<string, string> = {
  session_id: 'sess_0123456789ab',
  run_id: 'sess_0123456789ab',
  last_run_id: 'sess_0123456789ab',
  url: 'https://hooks.example.com/trainer',
  recipe: 'mnist-mlp',
  default_recipe: 'mnist-mlp',
  cron: '0 3 * * *',
  timezone: 'UTC',
  metric: 'val_loss',
  metric_name: 'val_loss',
  name: 'nightly',
  message: 'Done',
  actor: 'ci',
  level: 'info',
};

/** Keys for a record (`additionalProperties` only), by the name of the property that holds it. */
const RECORD_KEYS: Record<string, string> = {
  params: 'learning_rate',
  best_params: 'learning_rate',
  default_params: 'epochs',
  config: 'epochs',
  metrics: 'val_loss',
  latest_metrics: 'val_loss',
  final_metrics: 'val_loss',
  intermediate: '1',
  search_space: 'learning_rate',
};

function stringExample(schema: JsonSchema, name: string | undefined): string {
  if (schema.format === 'date-time' || /ISO 8601/.test(schema.description ?? '')) return EXAMPLE_TIME;
  if (schema.format === 'binary') return '<bytes>';
  if (name && NAMED_STRINGS[name]) return NAMED_STRINGS[name];
  if (name && /(^|_)id$/.test(name)) return `${name === 'id' ? 'item' : name.replace(/_id$/, '')}_0123456789ab`;
  const text = name ? name.replace(/_/g, ' ') : 'text';
  return text.length >= (schema.minLength ?? 0) ? text : text.padEnd(schema.minLength, 'x');
}

/** zod writes ±MAX_SAFE_INTEGER as the bounds of every `.int()`: no real bound. */
const bound = (value: number | undefined): number | undefined => (value === undefined || Math.abs(value) >= Number.MAX_SAFE_INTEGER ? undefined : value);

function numberExample(schema: JsonSchema): number {
  const integer = schema.type === 'integer';
  const low = bound(schema.minimum) ?? (schema.exclusiveMinimum !== undefined ? schema.exclusiveMinimum + (integer ? 1 : 0.5) : undefined);
  const high = bound(schema.maximum) ?? (schema.exclusiveMaximum !== undefined ? schema.exclusiveMaximum - (integer ? 1 : 0.5) : undefined);
  const preferred = integer ? 1 : 0.5;
  if (low !== undefined && high !== undefined) return integer ? Math.ceil(low) : (low + high) / 2;
  if (low !== undefined) return Math.max(low, preferred);
  if (high !== undefined) return Math.min(high, preferred);
  return preferred;
}

/** A value valid against `schema`, with `$ref`s resolved in `components` (the document's schemas). */
export function exampleOf(schema: JsonSchema | boolean | undefined, components: Record<string, unknown>, name?: string, depth = 0): unknown {
  if (schema === undefined || typeof schema === 'boolean' || depth > MAX_DEPTH) return null;
  if (schema.example !== undefined) return schema.example;
  if (Array.isArray(schema.examples) && schema.examples.length > 0) return schema.examples[0];
  if (typeof schema.$ref === 'string') return exampleOf(components[schema.$ref.split('/').at(-1)!] as JsonSchema, components, name, depth + 1);
  if ('const' in schema) return schema.const;
  if (Array.isArray(schema.enum)) return schema.enum[0];
  const options: JsonSchema[] | undefined = schema.anyOf ?? schema.oneOf;
  if (options) return exampleOf(options.find((option) => option.type !== 'null') ?? options[0], components, name, depth + 1);
  if (schema.allOf) return Object.assign({}, ...schema.allOf.map((part: JsonSchema) => exampleOf(part, components, name, depth + 1)));
  const type = Array.isArray(schema.type) ? schema.type.find((candidate: string) => candidate !== 'null') : schema.type;
  switch (type) {
    case 'object': {
      const object: Record<string, unknown> = {};
      for (const [property, definition] of Object.entries((schema.properties ?? {}) as Record<string, JsonSchema>))
        object[property] = exampleOf(definition, components, property, depth + 1);
      const extra = schema.additionalProperties;
      // a record, or named values beside fixed fields (a metric record's `loss`)
      if (extra && typeof extra === 'object' && Object.keys(extra).length > 0) {
        const key = Object.keys(object).length > 0 ? 'loss' : ((name && RECORD_KEYS[name]) ?? 'key');
        object[key] = exampleOf(extra, components, undefined, depth + 1);
      }
      return object;
    }
    case 'array':
      return Array.from({ length: Math.max(1, schema.minItems ?? 1) }, () => exampleOf(schema.items, components, name, depth + 1));
    case 'string':
      return stringExample(schema, name);
    case 'integer':
    case 'number':
      return numberExample(schema);
    case 'boolean':
      return true;
    case 'null':
      return null;
    default:
      return null;
  }
}

/**
 * Tables from CSV or JSON datasets, turned into numbers a network can train on: numeric features
 * z-score normalized, categorical features one-hot encoded, the label column encoded as class indices.
 */
export interface Table {
  columns: string[];
  rows: string[][];
}

export interface EncodedTable {
  x: number[][];
  y: number[];
  classNames: string[];
  featureNames: string[];
  notes: string[];
}

/** Categorical features with more distinct values than this are dropped rather than one-hot encoded. */
const MAX_CATEGORIES = 32;

export type TableFormat = 'csv' | 'tsv' | 'json' | 'jsonl';

export function parseTable(text: string, format: TableFormat): Table {
  const content = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  if (format === 'csv' || format === 'tsv') return parseCsv(content, format === 'tsv' ? '\t' : ',');
  return parseJsonRecords(content, format);
}

/** RFC 4180 CSV (or TSV): a header row, quoted fields with doubled quotes; blank lines are skipped. */
export function parseCsv(text: string, delimiter = ','): Table {
  const records = text.includes('"')
    ? quotedRecords(text, delimiter)
    : text
        .split(/\r?\n|\r/)
        .filter((line) => line !== '')
        .map((line) => line.split(delimiter));
  const [header, ...rows] = records;
  if (!header) throw new Error('the CSV file is empty');
  const columns = header.map((name) => name.trim());
  rows.forEach((row, index) => {
    if (row.length !== columns.length) throw new Error(`CSV row ${index + 2} has ${row.length} fields, the header has ${columns.length}`);
  });
  return { columns, rows };
}

/** The character-by-character reader, for files with quoted fields (slower: only when needed). */
function quotedRecords(text: string, delimiter: string): string[][] {
  const records: string[][] = [];
  let field = '';
  let record: string[] = [];
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const char = text[i]!;
    if (quoted) {
      if (char === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (char === '"') quoted = false;
      else field += char;
    } else if (char === '"') quoted = true;
    else if (char === delimiter) {
      record.push(field);
      field = '';
    } else if (char === '\n' || char === '\r') {
      if (char === '\r' && text[i + 1] === '\n') i++;
      record.push(field);
      if (record.length > 1 || record[0] !== '') records.push(record);
      record = [];
      field = '';
    } else field += char;
  }
  record.push(field);
  if (record.length > 1 || record[0] !== '') records.push(record);
  return records;
}

/** A JSON array of objects (or `{"data"|"records"|"rows": [...]}`), or JSON Lines of objects. */
export function parseJsonRecords(text: string, format: 'json' | 'jsonl'): Table {
  let items: unknown[];
  if (format === 'jsonl')
    items = text
      .split('\n')
      .filter((line) => line.trim() !== '')
      .map((line) => JSON.parse(line));
  else {
    const parsed: unknown = JSON.parse(text);
    const wrapped = parsed as Record<string, unknown> | null;
    items = Array.isArray(parsed) ? parsed : ((['data', 'records', 'rows'].map((key) => wrapped?.[key]).find(Array.isArray) as unknown[] | undefined) ?? []);
  }
  if (items.length === 0) throw new Error('the JSON dataset holds no records (expected an array of objects)');
  const columns = [...new Set(items.flatMap((item) => (item && typeof item === 'object' && !Array.isArray(item) ? Object.keys(item) : [])))];
  const rows = items.map((item, index) => {
    if (!item || typeof item !== 'object' || Array.isArray(item)) throw new Error(`record ${index + 1} is not an object`);
    return columns.map((column) => {
      const value = (item as Record<string, unknown>)[column];
      return value === undefined || value === null ? '' : String(value);
    });
  });
  return { columns, rows };
}

/** The label column: the one named, else `label`, else `class`/`target`/`species`/`y`. */
export function labelColumnOf(table: Table, requested: string | undefined): string {
  if (requested) {
    if (!table.columns.includes(requested)) throw new Error(`the dataset has no column '${requested}' (columns: ${table.columns.join(', ')})`);
    return requested;
  }
  const found = ['label', 'class', 'target', 'species', 'y'].find((name) => table.columns.includes(name));
  if (!found) throw new Error(`the dataset has no 'label' column: name the label column (columns: ${table.columns.join(', ')})`);
  return found;
}

export function distinctLabels(table: Table, labelColumn: string): string[] {
  const index = table.columns.indexOf(labelColumn);
  return sortLabels([...new Set(table.rows.map((row) => row[index]!.trim()))]);
}

export function encodeTable(table: Table, labelColumn: string): EncodedTable {
  const labelIndex = table.columns.indexOf(labelColumn);
  const classNames = distinctLabels(table, labelColumn);
  const classOf = new Map(classNames.map((name, index) => [name, index]));
  const notes: string[] = [];
  const featureNames: string[] = [];
  const encoders: ((row: string[]) => number[])[] = [];
  table.columns.forEach((column, index) => {
    if (index === labelIndex) return;
    const values = table.rows.map((row) => row[index]!.trim());
    const numbers = values.map((value) => (value === '' ? NaN : Number(value)));
    if (numbers.every(Number.isFinite)) {
      const mean = numbers.reduce((sum, value) => sum + value, 0) / numbers.length;
      const std = Math.sqrt(numbers.reduce((sum, value) => sum + (value - mean) ** 2, 0) / numbers.length) || 1;
      featureNames.push(column);
      encoders.push((row) => [(Number(row[index]) - mean) / std]);
      return;
    }
    const categories = [...new Set(values)].sort();
    if (categories.length > MAX_CATEGORIES) {
      notes.push(`column '${column}' dropped: not numeric, and ${categories.length} distinct values are too many to one-hot encode (max ${MAX_CATEGORIES})`);
      return;
    }
    featureNames.push(...categories.map((category) => `${column}=${category}`));
    encoders.push((row) => categories.map((category) => (row[index]!.trim() === category ? 1 : 0)));
    notes.push(`column '${column}' one-hot encoded (${categories.length} categories)`);
  });
  if (featureNames.length === 0) throw new Error('the dataset has no usable feature column besides the label');
  return {
    x: table.rows.map((row) => encoders.flatMap((encode) => encode(row))),
    y: table.rows.map((row) => classOf.get(row[labelIndex]!.trim())!),
    classNames,
    featureNames,
    notes,
  };
}

/** Numeric labels in numeric order (so that 0/1 stay 0/1), others alphabetically. */
function sortLabels(labels: string[]): string[] {
  const numeric = labels.every((label) => label !== '' && Number.isFinite(Number(label)));
  return numeric ? labels.sort((a, b) => Number(a) - Number(b)) : labels.sort();
}

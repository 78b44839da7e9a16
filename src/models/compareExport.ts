/**
 * The Compare table and its exports as Markdown and CSV (pure functions).
 *
 * CSV follows RFC 4180: fields are separated by commas, records by CRLF; a field containing a comma, a
 * double quote, CR or LF (or leading/trailing spaces) is enclosed in double quotes, with inner quotes
 * doubled. Markdown cells escape "|" and backslashes and keep line breaks as <br>.
 */

export type CompareCellStatus =
  'pending' | 'running' | 'done' | 'error' | 'stopped';

export interface ICompareCell {
  status: CompareCellStatus;
  text: string;
  latency_s: number | null;
  tokens_out: number | null;
  /** Error message when status is "error". */
  error?: string;
}

export interface ICompareRow {
  prompt: string;
  a: ICompareCell;
  b: ICompareCell;
}

/** The two endpoints' names, used as column titles. */
export interface ICompareLabels {
  a: string;
  b: string;
}

export function pendingCell(): ICompareCell {
  return { status: 'pending', text: '', latency_s: null, tokens_out: null };
}

export function newRows(prompts: readonly string[]): ICompareRow[] {
  return prompts.map(prompt => ({
    prompt,
    a: pendingCell(),
    b: pendingCell()
  }));
}

/** "3/5": rows with both answers settled, out of all rows. */
export function progress(rows: readonly ICompareRow[]): {
  done: number;
  total: number;
} {
  const settled = (cell: ICompareCell): boolean =>
    cell.status === 'done' ||
    cell.status === 'error' ||
    cell.status === 'stopped';
  return {
    done: rows.filter(row => settled(row.a) && settled(row.b)).length,
    total: rows.length
  };
}

/** A cell's answer as exported: the text, or the error in brackets. */
export function cellText(cell: ICompareCell): string {
  if (cell.status === 'error') {
    return `[error] ${cell.error ?? ''}`.trim();
  }
  if (cell.status === 'stopped') {
    return cell.text ? `${cell.text} [stopped]` : '[stopped]';
  }
  return cell.text;
}

function number(value: number | null, digits?: number): string {
  if (value === null || value === undefined || !Number.isFinite(value)) {
    return '';
  }
  return digits === undefined ? String(value) : value.toFixed(digits);
}

/** Escape one Markdown table cell; angle brackets too, so model output never becomes HTML in a viewer. */
export function markdownCell(text: string): string {
  return text
    .replace(/\\/g, '\\\\')
    .replace(/\|/g, '\\|')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/\r\n|\r|\n/g, '<br>')
    .trim();
}

/** The table as GitHub-flavoured Markdown, one row per prompt. */
export function toMarkdown(
  rows: readonly ICompareRow[],
  labels: ICompareLabels
): string {
  const header = [
    '#',
    'Prompt',
    `Answer A (${labels.a})`,
    'Latency A (s)',
    'Tokens A',
    `Answer B (${labels.b})`,
    'Latency B (s)',
    'Tokens B'
  ];
  const lines = [
    `| ${header.map(markdownCell).join(' | ')} |`,
    `|${header.map((_, i) => (i === 0 || i === 3 || i === 4 || i === 6 || i === 7 ? ' ---: ' : ' --- ')).join('|')}|`
  ];
  rows.forEach((row, index) => {
    const cells = [
      String(index + 1),
      row.prompt,
      cellText(row.a),
      number(row.a.latency_s, 2),
      number(row.a.tokens_out),
      cellText(row.b),
      number(row.b.latency_s, 2),
      number(row.b.tokens_out)
    ];
    lines.push(`| ${cells.map(markdownCell).join(' | ')} |`);
  });
  return lines.join('\n') + '\n';
}

/** Spreadsheets run a cell starting with one of these as a formula (CSV injection, OWASP). */
const FORMULA_START = /^[=+\-@\t\r]/;

/** Quote one CSV field when needed (RFC 4180); a formula-looking one gets a leading quote, as in the
 * server's evaluation CSV. */
export function csvField(raw: string): string {
  const value = FORMULA_START.test(raw) ? `'${raw}` : raw;
  if (/[",\r\n]/.test(value) || /^\s|\s$/.test(value)) {
    return `"${value.replace(/"/g, '""')}"`;
  }
  return value;
}

/** The table as CSV with a header row; records end with CRLF. */
export function toCsv(
  rows: readonly ICompareRow[],
  labels: ICompareLabels
): string {
  const header = [
    'prompt',
    'endpoint_a',
    'answer_a',
    'latency_a_s',
    'tokens_a',
    'endpoint_b',
    'answer_b',
    'latency_b_s',
    'tokens_b'
  ];
  const records = [header.map(csvField).join(',')];
  for (const row of rows) {
    records.push(
      [
        row.prompt,
        labels.a,
        cellText(row.a),
        number(row.a.latency_s, 3),
        number(row.a.tokens_out),
        labels.b,
        cellText(row.b),
        number(row.b.latency_s, 3),
        number(row.b.tokens_out)
      ]
        .map(csvField)
        .join(',')
    );
  }
  return records.join('\r\n') + '\r\n';
}

/** A file name for an export: "compare-a-vs-b-20240117-093000.csv". */
export function exportFileName(
  labels: ICompareLabels,
  extension: 'md' | 'csv',
  now: Date = new Date()
): string {
  const pad = (value: number): string => String(value).padStart(2, '0');
  const stamp =
    `${now.getFullYear()}${pad(now.getMonth() + 1)}${pad(now.getDate())}` +
    `-${pad(now.getHours())}${pad(now.getMinutes())}${pad(now.getSeconds())}`;
  const safe = (name: string): string =>
    name.replace(/[^a-zA-Z0-9-]+/g, '-').replace(/^-+|-+$/g, '') || 'endpoint';
  return `compare-${safe(labels.a)}-vs-${safe(labels.b)}-${stamp}.${extension}`;
}

/**
 * Prompts typed or pasted one per line (blank lines ignored, surrounding spaces trimmed). Inside a line,
 * the two characters "\n" stand for a line break, so multi-line prompts fit on one line.
 */
export function parsePromptLines(text: string): string[] {
  return text
    .split(/\r\n|\n|\r/)
    .map(line => line.trim())
    .filter(line => line.length > 0)
    .map(line => line.replace(/\\n/g, '\n'));
}

/** The inverse of `parsePromptLines`: one prompt per line, line breaks written as "\n". */
export function formatPromptLines(prompts: readonly string[]): string {
  return prompts
    .map(prompt => prompt.trim().replace(/\r\n|\n|\r/g, '\\n'))
    .join('\n');
}

export interface IJsonLinesProblem {
  /** 1-based line number. */
  line: number;
  reason: 'invalid-json' | 'no-prompt-field';
}

/** The fields a prompt is read from, in order of preference. */
export const PROMPT_FIELDS = ['prompt', 'inputs', 'instruction'] as const;

/**
 * Prompts from a JSON Lines file: each line an object with a non-empty `prompt`, `inputs` or
 * `instruction` string (the first present wins). Problems are reported with their line numbers.
 */
export function parsePromptJsonLines(text: string): {
  prompts: string[];
  problems: IJsonLinesProblem[];
} {
  const prompts: string[] = [];
  const problems: IJsonLinesProblem[] = [];
  const lines = text.replace(/^\ufeff/, '').split(/\r\n|\n|\r/);
  lines.forEach((line, index) => {
    if (!line.trim()) {
      return;
    }
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      problems.push({ line: index + 1, reason: 'invalid-json' });
      return;
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      problems.push({ line: index + 1, reason: 'no-prompt-field' });
      return;
    }
    const record = value as Record<string, unknown>;
    const field = PROMPT_FIELDS.find(
      name =>
        typeof record[name] === 'string' && (record[name] as string).trim()
    );
    if (!field) {
      problems.push({ line: index + 1, reason: 'no-prompt-field' });
      return;
    }
    prompts.push(record[field] as string);
  });
  return { prompts, problems };
}

import {
  cellText,
  csvField,
  exportFileName,
  formatPromptLines,
  ICompareRow,
  markdownCell,
  newRows,
  parsePromptJsonLines,
  parsePromptLines,
  progress,
  toCsv,
  toMarkdown
} from '../models/compareExport';

const LABELS = { a: 'base-7b', b: 'tuned-7b' };

function rows(): ICompareRow[] {
  return [
    {
      prompt: 'The capital of France is',
      a: { status: 'done', text: ' Paris.', latency_s: 1.234, tokens_out: 3 },
      b: {
        status: 'done',
        text: 'Paris, "the city"',
        latency_s: 0.5,
        tokens_out: 5
      }
    },
    {
      prompt: 'List: a, b | c\nsecond line',
      a: {
        status: 'error',
        text: '',
        latency_s: null,
        tokens_out: null,
        error: 'Throttled'
      },
      b: { status: 'stopped', text: 'par', latency_s: null, tokens_out: null }
    }
  ];
}

describe('compare table', () => {
  it('counts rows with both answers settled', () => {
    const table = newRows(['a', 'b', 'c']);
    expect(progress(table)).toEqual({ done: 0, total: 3 });
    expect(progress(rows())).toEqual({ done: 2, total: 2 });
    const partial = rows();
    partial[1].b = { ...partial[1].b, status: 'running' };
    expect(progress(partial)).toEqual({ done: 1, total: 2 });
  });

  it('exports errors and stopped answers explicitly', () => {
    const [, second] = rows();
    expect(cellText(second.a)).toBe('[error] Throttled');
    expect(cellText(second.b)).toBe('par [stopped]');
  });
});

describe('Markdown export', () => {
  it('escapes pipes and backslashes and keeps line breaks', () => {
    expect(markdownCell('a | b \\ c\nd\r\ne')).toBe('a \\| b \\\\ c<br>d<br>e');
    expect(markdownCell('<img src=x onerror=alert(1)>\nok')).toBe(
      '&lt;img src=x onerror=alert(1)&gt;<br>ok'
    );
  });

  it('writes a table with a header, alignment row and one row per prompt', () => {
    const lines = toMarkdown(rows(), LABELS).replace(/\n$/, '').split('\n');
    expect(lines).toHaveLength(4);
    expect(lines[0]).toBe(
      '| # | Prompt | Answer A (base-7b) | Latency A (s) | Tokens A | Answer B (tuned-7b) | Latency B (s) | Tokens B |'
    );
    expect(lines[1]).toBe(
      '| ---: | --- | --- | ---: | ---: | --- | ---: | ---: |'
    );
    expect(lines[2]).toBe(
      '| 1 | The capital of France is | Paris. | 1.23 | 3 | Paris, "the city" | 0.50 | 5 |'
    );
    expect(lines[3]).toBe(
      '| 2 | List: a, b \\| c<br>second line | [error] Throttled |  |  | par [stopped] |  |  |'
    );
  });
});

describe('CSV export', () => {
  it('quotes only when needed and doubles quotes', () => {
    expect(csvField('plain')).toBe('plain');
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField('two\nlines')).toBe('"two\nlines"');
    expect(csvField('cr\r')).toBe('"cr\r"');
    expect(csvField(' leading')).toBe('" leading"');
    expect(csvField('')).toBe('');
    // Formula injection: a spreadsheet must show these as text, never run them.
    expect(csvField('=HYPERLINK("http://x","y")')).toBe(
      '"\'=HYPERLINK(""http://x"",""y"")"'
    );
    expect(csvField('+1+2')).toBe("'+1+2");
    expect(csvField('-2+3')).toBe("'-2+3");
    expect(csvField('@SUM(A1)')).toBe("'@SUM(A1)");
    expect(csvField('\t=1')).toBe("'\t=1");
    expect(csvField('a=b')).toBe('a=b');
  });

  it('writes a header and CRLF-terminated records', () => {
    const csv = toCsv(rows(), LABELS);
    expect(csv.endsWith('\r\n')).toBe(true);
    const [header, first] = csv.split('\r\n');
    expect(header).toBe(
      'prompt,endpoint_a,answer_a,latency_a_s,tokens_a,endpoint_b,answer_b,latency_b_s,tokens_b'
    );
    expect(first).toBe(
      'The capital of France is,base-7b," Paris.",1.234,3,tuned-7b,"Paris, ""the city""",0.500,5'
    );
    expect(csv).toContain(
      '"List: a, b | c\nsecond line",base-7b,[error] Throttled,,,tuned-7b,par [stopped],,\r\n'
    );
  });

  it('round-trips through a strict RFC 4180 reader', () => {
    const csv = toCsv(rows(), LABELS);
    const records = parseCsv(csv);
    expect(records).toHaveLength(3);
    expect(records[1][2]).toBe(' Paris.');
    expect(records[1][6]).toBe('Paris, "the city"');
    expect(records[2][0]).toBe('List: a, b | c\nsecond line');
    expect(records.every(record => record.length === 9)).toBe(true);
  });

  it('names export files after the endpoints and time', () => {
    expect(
      exportFileName(
        { a: 'base 7b', b: 'tuned/7b' },
        'csv',
        new Date(2024, 0, 17, 9, 30, 5)
      )
    ).toBe('compare-base-7b-vs-tuned-7b-20240117-093005.csv');
  });
});

describe('prompt input', () => {
  it('reads one prompt per line with \\n for line breaks', () => {
    expect(parsePromptLines('  one \r\n\n two\\nlines\r')).toEqual([
      'one',
      'two\nlines'
    ]);
    const prompts = ['first', 'multi\nline'];
    expect(parsePromptLines(formatPromptLines(prompts))).toEqual(prompts);
  });

  it('reads prompt, inputs or instruction from JSON Lines and reports bad lines', () => {
    const text = [
      '\ufeff{"prompt": "p1"}',
      '{"inputs": "p2", "parameters": {}}',
      '',
      '{"instruction": "p3", "context": "c", "response": "r"}',
      'not json',
      '{"text": "no prompt field"}',
      '["array"]',
      '{"prompt": "  "}',
      '{"prompt": "two\\nlines"}'
    ].join('\n');
    const result = parsePromptJsonLines(text);
    expect(result.prompts).toEqual(['p1', 'p2', 'p3', 'two\nlines']);
    expect(result.problems).toEqual([
      { line: 5, reason: 'invalid-json' },
      { line: 6, reason: 'no-prompt-field' },
      { line: 7, reason: 'no-prompt-field' },
      { line: 8, reason: 'no-prompt-field' }
    ]);
  });
});

/** A strict RFC 4180 reader, to check the writer. */
function parseCsv(text: string): string[][] {
  const records: string[][] = [];
  let record: string[] = [];
  let field = '';
  let i = 0;
  let quoted = false;
  while (i < text.length) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        field += '"';
        i += 2;
        continue;
      }
      if (ch === '"') {
        quoted = false;
        i++;
        continue;
      }
      field += ch;
      i++;
      continue;
    }
    if (ch === '"' && field === '') {
      quoted = true;
      i++;
    } else if (ch === ',') {
      record.push(field);
      field = '';
      i++;
    } else if (ch === '\r' && text[i + 1] === '\n') {
      record.push(field);
      records.push(record);
      record = [];
      field = '';
      i += 2;
    } else {
      field += ch;
      i++;
    }
  }
  return records;
}

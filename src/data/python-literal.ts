// A parser for the small subset of Python literals that .npy headers use: dicts, tuples, lists,
// strings, integers (including Python 2's `3L`), floats, True/False/None. numpy writes the header
// with repr(), so that is all a header can contain.

export type PyValue = string | number | boolean | null | PyValue[] | { [key: string]: PyValue };

export function parsePythonLiteral(text: string): PyValue {
  const parser = new LiteralParser(text);
  const value = parser.value();
  parser.skipSpace();
  if (!parser.atEnd()) parser.fail('unexpected text after the value');
  return value;
}

class LiteralParser {
  private pos = 0;
  constructor(private readonly text: string) {}

  atEnd(): boolean {
    return this.pos >= this.text.length;
  }

  fail(message: string): never {
    throw new Error(`${message} at character ${this.pos + 1}`);
  }

  skipSpace(): void {
    while (this.pos < this.text.length && /\s/.test(this.text[this.pos] as string)) this.pos++;
  }

  value(): PyValue {
    this.skipSpace();
    const ch = this.text[this.pos];
    if (ch === undefined) this.fail('unexpected end of header');
    if (ch === '{') return this.dict();
    if (ch === '(') return this.sequence('(', ')');
    if (ch === '[') return this.sequence('[', ']');
    if (ch === "'" || ch === '"') return this.string();
    if (/[-+0-9.]/.test(ch)) return this.number();
    for (const [word, value] of [
      ['True', true],
      ['False', false],
      ['None', null],
    ] as const) {
      if (this.text.startsWith(word, this.pos)) {
        this.pos += word.length;
        return value;
      }
    }
    return this.fail(`unexpected character ${JSON.stringify(ch)}`);
  }

  private expect(ch: string): void {
    this.skipSpace();
    if (this.text[this.pos] !== ch) this.fail(`expected ${JSON.stringify(ch)}`);
    this.pos++;
  }

  /** Comma-separated items up to `close`; a trailing comma is allowed, as in Python. */
  private items(close: string, item: () => void): void {
    this.skipSpace();
    while (this.text[this.pos] !== close) {
      item();
      this.skipSpace();
      if (this.text[this.pos] === ',') {
        this.pos++;
        this.skipSpace();
      } else if (this.text[this.pos] !== close) {
        this.fail(`expected "," or ${JSON.stringify(close)}`);
      }
    }
    this.pos++;
  }

  private dict(): { [key: string]: PyValue } {
    this.expect('{');
    const result: { [key: string]: PyValue } = {};
    this.items('}', () => {
      const key = this.value();
      if (typeof key !== 'string') this.fail('dict keys must be strings');
      this.expect(':');
      result[key] = this.value();
    });
    return result;
  }

  private sequence(open: string, close: string): PyValue[] {
    this.expect(open);
    const result: PyValue[] = [];
    this.items(close, () => {
      result.push(this.value());
    });
    return result;
  }

  private string(): string {
    const quote = this.text[this.pos] as string;
    this.pos++;
    let result = '';
    for (;;) {
      const ch = this.text[this.pos];
      if (ch === undefined) this.fail('unterminated string');
      this.pos++;
      if (ch === quote) return result;
      if (ch === '\\') {
        const escaped = this.text[this.pos];
        if (escaped === undefined) this.fail('unterminated string');
        this.pos++;
        result += escaped === 'n' ? '\n' : escaped === 't' ? '\t' : escaped;
      } else {
        result += ch;
      }
    }
  }

  private number(): number {
    const match = /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?/.exec(this.text.slice(this.pos));
    if (!match) this.fail('malformed number');
    this.pos += match[0].length;
    // Python 2 wrote long integers with an L suffix, e.g. shape (60000L, 784L).
    if (this.text[this.pos] === 'L' || this.text[this.pos] === 'l') this.pos++;
    return Number(match[0]);
  }
}

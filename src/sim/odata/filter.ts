// OData v4 $filter: a small parser and evaluator for the subset 3CX clients use.
// Comparison: eq ne gt ge lt le; logic: and or not; functions: startswith endswith contains tolower toupper
// date length; literals: 'text' (with '' escaping), numbers, true/false/null, dates and date-times.

export class ODataSyntaxError extends Error {}

export type FilterNode =
  | { kind: 'literal'; value: string | number | boolean | null; isDate?: boolean }
  | { kind: 'property'; path: string[] }
  | { kind: 'call'; name: string; args: FilterNode[] }
  | { kind: 'not'; operand: FilterNode }
  | { kind: 'binary'; op: string; left: FilterNode; right: FilterNode };

type Token = { type: 'string' | 'number' | 'word' | 'date' | 'punct'; text: string; value?: string | number };

const DATE_TIME = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})?)?/;
const COMPARISONS = new Set(['eq', 'ne', 'gt', 'ge', 'lt', 'le']);
const FUNCTIONS = new Set([
  'startswith',
  'endswith',
  'contains',
  'tolower',
  'toupper',
  'date',
  'length',
  'trim',
]);

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (/\s/.test(c)) {
      i++;
    } else if (c === "'") {
      let value = '';
      i++;
      for (;;) {
        if (i >= text.length) throw new ODataSyntaxError('unterminated string literal');
        if (text[i] === "'") {
          if (text[i + 1] === "'") {
            value += "'";
            i += 2;
            continue;
          }
          i++;
          break;
        }
        value += text[i++];
      }
      tokens.push({ type: 'string', text: value, value });
    } else if ('(),/'.includes(c)) {
      tokens.push({ type: 'punct', text: c });
      i++;
    } else {
      const rest = text.slice(i);
      const date = DATE_TIME.exec(rest);
      if (date && /^\d{4}-/.test(rest)) {
        tokens.push({ type: 'date', text: date[0], value: date[0] });
        i += date[0].length;
        continue;
      }
      const number = /^-?\d+(\.\d+)?/.exec(rest);
      if (number) {
        tokens.push({ type: 'number', text: number[0], value: Number(number[0]) });
        i += number[0].length;
        continue;
      }
      const word = /^[A-Za-z_$@][A-Za-z0-9_.$@]*/.exec(rest);
      if (!word) throw new ODataSyntaxError(`unexpected character '${c}' at position ${i}`);
      tokens.push({ type: 'word', text: word[0] });
      i += word[0].length;
    }
  }
  return tokens;
}

class Parser {
  private position = 0;
  constructor(private readonly tokens: Token[]) {}

  parse(): FilterNode {
    const node = this.parseOr();
    if (this.position < this.tokens.length) throw new ODataSyntaxError(`unexpected '${this.peek()!.text}'`);
    return node;
  }

  private peek(): Token | undefined {
    return this.tokens[this.position];
  }

  private isWord(text: string): boolean {
    const token = this.peek();
    return token?.type === 'word' && token.text.toLowerCase() === text;
  }

  private expect(text: string): void {
    const token = this.tokens[this.position++];
    if (token?.text !== text)
      throw new ODataSyntaxError(`expected '${text}'${token ? ` but found '${token.text}'` : ''}`);
  }

  private parseOr(): FilterNode {
    return this.parseLogical('or', () => this.parseAnd());
  }

  private parseAnd(): FilterNode {
    return this.parseLogical('and', () => this.parseNot());
  }

  /** A left-associative chain of one logical operator over operands of the next tighter level. */
  private parseLogical(op: 'or' | 'and', operand: () => FilterNode): FilterNode {
    let left = operand();
    while (this.isWord(op)) {
      this.position++;
      left = { kind: 'binary', op, left, right: operand() };
    }
    return left;
  }

  private parseNot(): FilterNode {
    if (this.isWord('not')) {
      this.position++;
      return { kind: 'not', operand: this.parseNot() };
    }
    return this.parseComparison();
  }

  private parseComparison(): FilterNode {
    const left = this.parsePrimary();
    const token = this.peek();
    if (token?.type === 'word' && COMPARISONS.has(token.text.toLowerCase())) {
      this.position++;
      return { kind: 'binary', op: token.text.toLowerCase(), left, right: this.parsePrimary() };
    }
    return left;
  }

  private parsePrimary(): FilterNode {
    const token = this.tokens[this.position++];
    if (!token) throw new ODataSyntaxError('unexpected end of expression');
    if (token.text === '(' && token.type === 'punct') {
      const inner = this.parseOr();
      this.expect(')');
      return inner;
    }
    if (token.type === 'string') return { kind: 'literal', value: token.value as string };
    if (token.type === 'number') return { kind: 'literal', value: token.value as number };
    if (token.type === 'date') return { kind: 'literal', value: token.value as string, isDate: true };
    if (token.type !== 'word') throw new ODataSyntaxError(`unexpected '${token.text}'`);
    const lower = token.text.toLowerCase();
    if (lower === 'true' || lower === 'false') return { kind: 'literal', value: lower === 'true' };
    if (lower === 'null') return { kind: 'literal', value: null };
    if (this.peek()?.text === '(') {
      if (!FUNCTIONS.has(lower)) throw new ODataSyntaxError(`unknown function '${token.text}'`);
      this.position++;
      const args: FilterNode[] = [];
      if (this.peek()?.text !== ')') {
        args.push(this.parseOr());
        while (this.peek()?.text === ',') {
          this.position++;
          args.push(this.parseOr());
        }
      }
      this.expect(')');
      return { kind: 'call', name: lower, args };
    }
    const path = [token.text];
    while (this.peek()?.text === '/') {
      this.position++;
      const next = this.tokens[this.position++];
      if (next?.type !== 'word') throw new ODataSyntaxError('expected a property name after /');
      path.push(next.text);
    }
    return { kind: 'property', path };
  }
}

export function parseFilter(text: string): FilterNode {
  return new Parser(tokenize(text)).parse();
}

/** Property paths a filter reads, so the caller can reject unknown properties as 3CX does. */
export function filterProperties(node: FilterNode): string[][] {
  switch (node.kind) {
    case 'property':
      return [node.path];
    case 'call':
      return node.args.flatMap(filterProperties);
    case 'not':
      return filterProperties(node.operand);
    case 'binary':
      return [...filterProperties(node.left), ...filterProperties(node.right)];
    default:
      return [];
  }
}

type Value = string | number | boolean | null | undefined;

function comparable(value: Value): string | number | boolean | null | undefined {
  // Date-times compare as instants whatever their offset notation.
  if (typeof value === 'string' && DATE_TIME.test(value) && value.includes('T')) {
    const ms = Date.parse(value);
    if (!Number.isNaN(ms)) return ms;
  }
  if (typeof value === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(value)) return Date.parse(`${value}T00:00:00Z`);
  return value;
}

function evaluateValue(node: FilterNode, item: Record<string, unknown>): Value {
  switch (node.kind) {
    case 'literal':
      return node.value;
    case 'property': {
      let current: unknown = item;
      for (const key of node.path) current = (current as Record<string, unknown> | null | undefined)?.[key];
      return current as Value;
    }
    case 'call': {
      const args = node.args.map((a) => evaluateValue(a, item));
      const [a, b] = args;
      const text = (v: Value) => (v === null || v === undefined ? null : String(v));
      switch (node.name) {
        case 'startswith':
          return text(a) !== null && text(b) !== null && text(a)!.startsWith(text(b)!);
        case 'endswith':
          return text(a) !== null && text(b) !== null && text(a)!.endsWith(text(b)!);
        case 'contains':
          return text(a) !== null && text(b) !== null && text(a)!.includes(text(b)!);
        case 'tolower':
          return text(a)?.toLowerCase() ?? null;
        case 'toupper':
          return text(a)?.toUpperCase() ?? null;
        case 'trim':
          return text(a)?.trim() ?? null;
        case 'length':
          return text(a)?.length ?? null;
        case 'date':
          return text(a) === null ? null : new Date(Date.parse(text(a)!)).toISOString().slice(0, 10);
        default:
          throw new ODataSyntaxError(`unknown function '${node.name}'`);
      }
    }
    default:
      return evaluate(node, item);
  }
}

export function evaluate(node: FilterNode, item: Record<string, unknown>): boolean {
  if (node.kind === 'not') return !evaluate(node.operand, item);
  if (node.kind === 'binary') {
    if (node.op === 'and') return evaluate(node.left, item) && evaluate(node.right, item);
    if (node.op === 'or') return evaluate(node.left, item) || evaluate(node.right, item);
    const left = comparable(evaluateValue(node.left, item));
    const right = comparable(evaluateValue(node.right, item));
    switch (node.op) {
      case 'eq':
        return (left ?? null) === (right ?? null);
      case 'ne':
        return (left ?? null) !== (right ?? null);
    }
    if (left === null || left === undefined || right === null || right === undefined) return false;
    switch (node.op) {
      case 'gt':
        return left > right;
      case 'ge':
        return left >= right;
      case 'lt':
        return left < right;
      case 'le':
        return left <= right;
    }
  }
  return evaluateValue(node, item) === true;
}

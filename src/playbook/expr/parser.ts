/**
 * Recursive-descent parser for Jinja2 expressions, with Jinja's precedence:
 * `x if c else y` < or < and < not < comparisons/in < + - < ~ < * / // % < ** < unary < postfix/filters/tests.
 */
import type { Token } from './lexer.js';
import { ExprError } from './values.js';

export type Node =
  | { t: 'lit'; v: unknown }
  | { t: 'name'; name: string }
  | { t: 'list'; items: Node[] }
  | { t: 'dict'; entries: [Node, Node][] }
  | { t: 'attr'; obj: Node; name: string }
  | { t: 'item'; obj: Node; index: Node }
  | { t: 'slice'; obj: Node; start?: Node; stop?: Node; step?: Node }
  | { t: 'call'; callee: Node; args: Node[]; kwargs: [string, Node][] }
  | { t: 'filter'; name: string; input: Node; args: Node[]; kwargs: [string, Node][] }
  | { t: 'test'; name: string; input: Node; args: Node[]; kwargs: [string, Node][]; negate: boolean }
  | { t: 'not'; operand: Node }
  | { t: 'neg'; operand: Node; op: '-' | '+' }
  | { t: 'bin'; op: string; left: Node; right: Node }
  | { t: 'and' | 'or'; left: Node; right: Node }
  | { t: 'compare'; first: Node; rest: [string, Node][] }
  | { t: 'cond'; test: Node; then: Node; otherwise?: Node };

const LITERAL_NAMES: Record<string, unknown> = { true: true, True: true, false: false, False: false, none: null, None: null };
const COMPARE_OPS = new Set(['==', '!=', '<', '<=', '>', '>=']);

export function parseExpression(tokens: Token[]): Node {
  const p = new Parser(tokens);
  const node = p.expression();
  p.expectEnd();
  return node;
}

class Parser {
  private i = 0;
  constructor(private readonly tokens: Token[]) {}

  private peek(offset = 0): Token {
    return this.tokens[Math.min(this.i + offset, this.tokens.length - 1)]!;
  }
  private next(): Token {
    const t = this.peek();
    if (this.i < this.tokens.length - 1) this.i++;
    return t;
  }
  private isOp(value: string, offset = 0): boolean {
    const t = this.peek(offset);
    return t.type === 'op' && t.value === value;
  }
  private isName(value: string, offset = 0): boolean {
    const t = this.peek(offset);
    return t.type === 'name' && t.value === value;
  }
  private expectOp(value: string): void {
    if (!this.isOp(value)) this.fail(`expected '${value}'`);
    this.next();
  }
  private fail(what: string): never {
    const t = this.peek();
    const got = t.type === 'end' ? 'end of expression' : `'${t.value}'`;
    throw new ExprError(`syntax error: ${what}, found ${got} at column ${t.pos + 1}`);
  }
  expectEnd(): void {
    if (this.peek().type !== 'end') this.fail('expected end of expression');
  }

  expression(): Node {
    const node = this.or();
    if (!this.isName('if')) return node;
    this.next();
    const test = this.or();
    let otherwise: Node | undefined;
    if (this.isName('else')) {
      this.next();
      otherwise = this.expression();
    }
    return { t: 'cond', test, then: node, otherwise };
  }

  private or(): Node {
    let left = this.and();
    while (this.isName('or')) {
      this.next();
      left = { t: 'or', left, right: this.and() };
    }
    return left;
  }

  private and(): Node {
    let left = this.not();
    while (this.isName('and')) {
      this.next();
      left = { t: 'and', left, right: this.not() };
    }
    return left;
  }

  private not(): Node {
    if (this.isName('not')) {
      this.next();
      return { t: 'not', operand: this.not() };
    }
    return this.compare();
  }

  private compare(): Node {
    const first = this.add();
    const rest: [string, Node][] = [];
    for (;;) {
      const t = this.peek();
      if (t.type === 'op' && COMPARE_OPS.has(t.value as string)) {
        this.next();
        rest.push([t.value as string, this.add()]);
      } else if (this.isName('in')) {
        this.next();
        rest.push(['in', this.add()]);
      } else if (this.isName('not') && this.isName('in', 1)) {
        this.next();
        this.next();
        rest.push(['not in', this.add()]);
      } else break;
    }
    return rest.length ? { t: 'compare', first, rest } : first;
  }

  private add(): Node {
    let left = this.concat();
    while (this.isOp('+') || this.isOp('-')) {
      const op = this.next().value as string;
      left = { t: 'bin', op, left, right: this.concat() };
    }
    return left;
  }

  private concat(): Node {
    let left = this.mul();
    while (this.isOp('~')) {
      this.next();
      left = { t: 'bin', op: '~', left, right: this.mul() };
    }
    return left;
  }

  private mul(): Node {
    let left = this.pow();
    while (this.isOp('*') || this.isOp('/') || this.isOp('//') || this.isOp('%')) {
      const op = this.next().value as string;
      left = { t: 'bin', op, left, right: this.pow() };
    }
    return left;
  }

  private pow(): Node {
    let left = this.unary(true);
    while (this.isOp('**')) {
      this.next();
      left = { t: 'bin', op: '**', left, right: this.unary(true) };
    }
    return left;
  }

  private unary(withFilters: boolean): Node {
    if (this.isOp('-') || this.isOp('+')) {
      const op = this.next().value as '-' | '+';
      const operand = this.unary(false);
      const node: Node = { t: 'neg', op, operand };
      return withFilters ? this.filters(node) : node;
    }
    const node = this.postfix(this.primary());
    return withFilters ? this.filters(node) : node;
  }

  private primary(): Node {
    if (this.peek().type === 'end') this.fail('expected a value');
    const t = this.next();
    if (t.type === 'num' || t.type === 'str') {
      let value = t.value;
      // Adjacent string literals concatenate, as in Python and Jinja.
      while (t.type === 'str' && this.peek().type === 'str') value = `${value}${this.next().value}`;
      return { t: 'lit', v: value };
    }
    if (t.type === 'name') {
      const name = t.value as string;
      if (Object.hasOwn(LITERAL_NAMES, name)) return { t: 'lit', v: LITERAL_NAMES[name] };
      return { t: 'name', name };
    }
    if (t.type === 'op' && t.value === '(') {
      if (this.isOp(')')) {
        this.next();
        return { t: 'list', items: [] };
      }
      const first = this.expression();
      if (!this.isOp(',')) {
        this.expectOp(')');
        return first;
      }
      const items = [first];
      while (this.isOp(',')) {
        this.next();
        if (this.isOp(')')) break;
        items.push(this.expression());
      }
      this.expectOp(')');
      return { t: 'list', items };
    }
    if (t.type === 'op' && t.value === '[') {
      const items: Node[] = [];
      while (!this.isOp(']')) {
        items.push(this.expression());
        if (!this.isOp(',')) break;
        this.next();
      }
      this.expectOp(']');
      return { t: 'list', items };
    }
    if (t.type === 'op' && t.value === '{') {
      const entries: [Node, Node][] = [];
      while (!this.isOp('}')) {
        const key = this.expression();
        this.expectOp(':');
        entries.push([key, this.expression()]);
        if (!this.isOp(',')) break;
        this.next();
      }
      this.expectOp('}');
      return { t: 'dict', entries };
    }
    this.i--;
    this.fail('expected a value');
  }

  private postfix(node: Node): Node {
    for (;;) {
      if (this.isOp('.')) {
        this.next();
        if (this.peek().type === 'end') this.fail('expected an attribute name after "."');
        const t = this.next();
        if (t.type === 'name') node = { t: 'attr', obj: node, name: t.value as string };
        else if (t.type === 'num' && Number.isInteger(t.value)) node = { t: 'item', obj: node, index: { t: 'lit', v: t.value } };
        else {
          this.i--;
          this.fail('expected an attribute name after "."');
        }
      } else if (this.isOp('[')) {
        this.next();
        node = this.subscript(node);
      } else if (this.isOp('(')) {
        const { args, kwargs } = this.callArgs();
        node = { t: 'call', callee: node, args, kwargs };
      } else return node;
    }
  }

  private subscript(obj: Node): Node {
    const part = (): Node | undefined => (this.isOp(':') || this.isOp(']') ? undefined : this.expression());
    const start = part();
    if (!this.isOp(':')) {
      this.expectOp(']');
      if (!start) this.fail('expected an index');
      return { t: 'item', obj, index: start };
    }
    this.next();
    const stop = part();
    let step: Node | undefined;
    if (this.isOp(':')) {
      this.next();
      step = part();
    }
    this.expectOp(']');
    return { t: 'slice', obj, start, stop, step };
  }

  private callArgs(): { args: Node[]; kwargs: [string, Node][] } {
    this.expectOp('(');
    const args: Node[] = [];
    const kwargs: [string, Node][] = [];
    while (!this.isOp(')')) {
      if (this.peek().type === 'name' && this.isOp('=', 1)) {
        const key = this.next().value as string;
        this.next();
        kwargs.push([key, this.expression()]);
      } else {
        if (kwargs.length) this.fail('positional argument after keyword argument');
        args.push(this.expression());
      }
      if (!this.isOp(',')) break;
      this.next();
    }
    this.expectOp(')');
    return { args, kwargs };
  }

  private filters(node: Node): Node {
    for (;;) {
      if (this.isOp('|')) {
        this.next();
        const name = this.dottedName();
        const { args, kwargs } = this.isOp('(') ? this.callArgs() : { args: [], kwargs: [] };
        node = { t: 'filter', name, input: node, args, kwargs };
      } else if (this.isName('is')) {
        this.next();
        let negate = false;
        if (this.isName('not')) {
          this.next();
          negate = true;
        }
        const name = this.dottedName();
        let args: Node[] = [];
        let kwargs: [string, Node][] = [];
        if (this.isOp('(')) ({ args, kwargs } = this.callArgs());
        else if (this.startsBareTestArgument()) args = [this.unary(false)];
        node = { t: 'test', name, input: node, args, kwargs, negate };
      } else return node;
    }
  }

  /** `x is divisibleby 3` / `x is sameas none`: Jinja allows one argument without parentheses. */
  private startsBareTestArgument(): boolean {
    const t = this.peek();
    if (t.type === 'num' || t.type === 'str') return true;
    if (t.type === 'name') return !['else', 'or', 'and', 'if', 'is', 'in', 'not'].includes(t.value as string);
    return t.type === 'op' && (t.value === '[' || t.value === '{' || t.value === '-');
  }

  /** Filter and test names may be written fully qualified (`ansible.builtin.quote`); only the last part counts. */
  private dottedName(): string {
    if (this.peek().type === 'end') this.fail('expected a filter or test name');
    const t = this.next();
    if (t.type !== 'name') {
      this.i--;
      this.fail('expected a filter or test name');
    }
    let name = t.value as string;
    while (this.isOp('.') && this.peek(1).type === 'name') {
      this.next();
      name = this.next().value as string;
    }
    return name;
  }
}

// Just enough reading of a TLA+ module to give good errors before and after the engines run:
// the declared CONSTANTS and VARIABLES (to reject a config that names an unknown constant), the
// line of each top-level definition (to turn "definition X not found" into a line number), and a
// bracket-balance check (tla-checker's parser silently drops a definition it cannot parse).

export interface TlaModuleInfo {
  name: string;
  constants: string[];
  variables: string[];
  /** Top-level definition name -> 1-based line of `Name ==` / `Name(args) ==`. */
  definitions: Map<string, number>;
}

export interface TlaSyntaxProblem {
  line: number;
  column: number;
  message: string;
}

/** Replace comments with spaces, keeping line and column positions. */
export function stripTlaComments(text: string): string {
  let out = '';
  let depth = 0;
  let i = 0;
  while (i < text.length) {
    const two = text.slice(i, i + 2);
    if (depth === 0 && text[i] === '"') {
      const end = findStringEnd(text, i);
      out += text.slice(i, end);
      i = end;
    } else if (two === '(*') {
      depth += 1;
      out += '  ';
      i += 2;
    } else if (depth > 0 && two === '*)') {
      depth -= 1;
      out += '  ';
      i += 2;
    } else if (depth > 0) {
      out += text[i] === '\n' ? '\n' : ' ';
      i += 1;
    } else if (two === '\\*') {
      while (i < text.length && text[i] !== '\n') {
        out += ' ';
        i += 1;
      }
    } else {
      out += text[i];
      i += 1;
    }
  }
  return out;
}

function findStringEnd(text: string, start: number): number {
  let i = start + 1;
  while (i < text.length && text[i] !== '"' && text[i] !== '\n') i += text[i] === '\\' ? 2 : 1;
  return Math.min(i + 1, text.length);
}

const KEYWORDS =
  /^(CONSTANTS?|VARIABLES?|EXTENDS|ASSUME|THEOREM|LOCAL|INSTANCE|MODULE|RECURSIVE)\b|^-{4,}|^={4,}/;

/** The module's name, declarations and definition lines. */
export function readTlaModule(text: string): TlaModuleInfo {
  const clean = stripTlaComments(text);
  const name = /-{4,}\s*MODULE\s+(\w+)\s*-{4,}/.exec(clean)?.[1];
  if (!name) throw new Error('no "---- MODULE Name ----" header');
  const lines = clean.split('\n');
  const constants: string[] = [];
  const variables: string[] = [];
  const definitions = new Map<string, number>();
  let collecting: string[] | null = null;
  lines.forEach((raw, index) => {
    const line = raw.trim();
    const definition = /^(?:LOCAL\s+)?(\w+)\s*(?:\([^)]*\))?\s*==/.exec(raw);
    if (definition && /^\S/.test(raw)) {
      collecting = null;
      definitions.set(definition[1] as string, index + 1);
      return;
    }
    const declaration = /^(CONSTANTS?|VARIABLES?)\b(.*)$/.exec(line);
    let body: string | null = null;
    if (declaration) {
      collecting = (declaration[1] as string).startsWith('CONST') ? constants : variables;
      body = declaration[2] as string;
    } else if (collecting && line !== '' && !KEYWORDS.test(line) && /^[\w\s,()_]*$/.test(line)) {
      body = line;
    } else if (line !== '') {
      collecting = null;
    }
    if (collecting && body !== null) {
      for (const item of body.split(',')) {
        const id = /^\s*(\w+)/.exec(item)?.[1];
        if (id) collecting.push(id);
      }
      if (!/,\s*$/.test(body) && body.trim() !== '') collecting = null;
    }
  });
  return { name, constants, variables, definitions };
}

const PAIRS: Record<string, string> = { '(': ')', '[': ']', '{': '}', '<<': '>>' };

/** Unbalanced brackets, with the line and column of the culprit (1-based). */
export function findBracketProblems(text: string): TlaSyntaxProblem[] {
  const clean = stripTlaComments(text);
  const stack: { open: string; line: number; column: number }[] = [];
  const problems: TlaSyntaxProblem[] = [];
  let line = 1;
  let column = 1;
  let i = 0;
  const advance = (n: number) => {
    for (let k = 0; k < n; k++) {
      if (clean[i] === '\n') {
        line += 1;
        column = 1;
      } else column += 1;
      i += 1;
    }
  };
  while (i < clean.length && problems.length === 0) {
    const c = clean[i] as string;
    const two = clean.slice(i, i + 2);
    if (c === '"') {
      advance(findStringEnd(clean, i) - i);
      continue;
    }
    // A `---- MODULE` / `====` line is not a bracket context.
    const token = two === '<<' || two === '>>' ? two : c;
    if (token in PAIRS) {
      stack.push({ open: token, line, column });
    } else if (token === ')' || token === ']' || token === '}' || token === '>>') {
      // `>>` can also close `<<`-free contexts like `a >> b`? Not in TLA+ (no shift operator), but
      // `>=`/`=>` never reach here since we only match `>>`.
      const top = stack.pop();
      if (!top) problems.push({ line, column, message: `unexpected '${token}' with nothing open` });
      else if (PAIRS[top.open] !== token)
        problems.push({
          line,
          column,
          message: `'${token}' closes '${top.open}' opened at line ${top.line}, column ${top.column}`,
        });
    }
    advance(token.length);
  }
  if (problems.length === 0 && stack.length > 0) {
    const top = stack[stack.length - 1] as { open: string; line: number; column: number };
    problems.push({
      line: top.line,
      column: top.column,
      message: `'${top.open}' is never closed`,
    });
  }
  return problems;
}

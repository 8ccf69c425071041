// TLC model configuration files (.cfg): read the parts pinlab needs (constant assignments,
// INIT/NEXT/SPECIFICATION, invariants in order, CHECK_DEADLOCK) and rewrite the constants when a
// kernel profile overrides them, so both engines see the same model.

export type ConstantValue = string | number | boolean | ConstantValue[];

export interface TlcConfig {
  /** Constant name -> its right-hand side as written (TLA+ text). */
  constants: Map<string, string>;
  init?: string;
  next?: string;
  specification?: string;
  /** INVARIANT/INVARIANTS names in file order (tla-checker reports violations by this index). */
  invariants: string[];
  properties: string[];
  checkDeadlock: boolean;
}

const SECTION =
  /^(CONSTANTS?|INIT|NEXT|SPECIFICATION|INVARIANTS?|PROPERTY|PROPERTIES|CHECK_DEADLOCK|SYMMETRY|VIEW|CONSTRAINTS?|ACTION_CONSTRAINTS?|ALIAS|POSTCONDITION)\b/;

function stripCfgComments(text: string): string {
  return text
    .replace(/\(\*[\s\S]*?\*\)/g, (m) => m.replace(/[^\n]/g, ' '))
    .replace(/\\\*.*$/gm, '');
}

export function parseTlcConfig(text: string): TlcConfig {
  const config: TlcConfig = {
    constants: new Map(),
    invariants: [],
    properties: [],
    checkDeadlock: true,
  };
  let section = '';
  for (const raw of stripCfgComments(text).split('\n')) {
    let line = raw.trim();
    if (line === '') continue;
    const head = SECTION.exec(line);
    if (head) {
      section = head[1] as string;
      line = line.slice(section.length).trim();
      if (line === '') continue;
    }
    switch (section) {
      case 'CONSTANT':
      case 'CONSTANTS': {
        const assignment = /^(\w+)\s*(=|<-)\s*(.+)$/.exec(line);
        if (!assignment) throw new Error(`cannot read constant assignment "${line}"`);
        config.constants.set(assignment[1] as string, (assignment[3] as string).trim());
        break;
      }
      case 'INIT':
        config.init = line.split(/\s+/)[0];
        break;
      case 'NEXT':
        config.next = line.split(/\s+/)[0];
        break;
      case 'SPECIFICATION':
        config.specification = line.split(/\s+/)[0];
        break;
      case 'INVARIANT':
      case 'INVARIANTS':
        config.invariants.push(...line.split(/\s+/));
        break;
      case 'PROPERTY':
      case 'PROPERTIES':
        config.properties.push(...line.split(/\s+/));
        break;
      case 'CHECK_DEADLOCK':
        config.checkDeadlock = !/^FALSE$/i.test(line);
        break;
      default:
        break;
    }
  }
  return config;
}

/** TLA+ text of a JSON constant value: strings quoted, booleans TRUE/FALSE, arrays as sets. */
export function constantToTla(value: ConstantValue): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'boolean') return value ? 'TRUE' : 'FALSE';
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value)) throw new Error(`constant value ${value} is not an integer`);
    return String(value);
  }
  if (Array.isArray(value)) return `{${value.map(constantToTla).join(', ')}}`;
  throw new Error(`unsupported constant value ${JSON.stringify(value)}`);
}

/**
 * The cfg text with `overrides` applied: existing assignments are rewritten in place, others are
 * appended to a CONSTANTS section. Names must be constants declared by the module (`declared`).
 */
export function applyConstantOverrides(
  cfgText: string,
  overrides: Record<string, ConstantValue>,
  declared: string[],
): string {
  const names = Object.keys(overrides);
  const unknown = names.filter((n) => !declared.includes(n));
  if (unknown.length > 0)
    throw new Error(
      `unknown constant ${unknown.join(', ')} (the module declares ${declared.join(', ') || 'none'})`,
    );
  if (names.length === 0) return cfgText;
  const remaining = new Set(names);
  const lines = cfgText.split('\n').map((line) => {
    const m = /^(\s*(?:CONSTANTS?\s+)?)(\w+)(\s*=\s*)(.+?)\s*$/.exec(line);
    if (!m || !remaining.has(m[2] as string)) return line;
    remaining.delete(m[2] as string);
    return `${m[1]}${m[2]}${m[3]}${constantToTla(overrides[m[2] as string] as ConstantValue)}`;
  });
  let out = lines.join('\n');
  if (remaining.size > 0) {
    if (!out.endsWith('\n')) out += '\n';
    out += `CONSTANTS\n${[...remaining].map((n) => `  ${n} = ${constantToTla(overrides[n] as ConstantValue)}`).join('\n')}\n`;
  }
  return out;
}

// tla-checker prints a counterexample as text blocks: "State N" then "  var = <TLA+ value>" lines.
// pinlab only needs each state's per-variable text, to find the same states again by stepping the
// model with explore_next (which returns typed values).

export function parseTraceText(text: string): Record<string, string>[] {
  const states: Record<string, string>[] = [];
  let current: Record<string, string> | null = null;
  let lastVar: string | null = null;
  for (const line of text.split('\n')) {
    if (/^State \d+/.test(line)) {
      current = {};
      states.push(current);
      lastVar = null;
      continue;
    }
    if (!current || line.trim() === '') continue;
    const m = /^ {2}(\w+) = (.*)$/.exec(line);
    if (m) {
      lastVar = m[1] as string;
      current[lastVar] = m[2] as string;
    } else if (lastVar) {
      // A value printed over several lines: keep it whole.
      current[lastVar] = `${current[lastVar]}\n${line}`;
    }
  }
  return states;
}

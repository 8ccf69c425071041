// TLC's `-tool` output and `-dumpTrace json` file, read into pinlab's CheckResult.
//
// With -tool, TLC wraps every message (tlc2/output/MP.java, getMessage):
//   @!@!@STARTMSG <code>:<class> @!@!@
//   <text>
//   @!@!@ENDMSG <code> @!@!@
// class: 0 none, 1 error, 2 TLC bug, 3 warning, 4 state. Codes (tlc2/output/EC.java) used here:
//   2110 TLC_INVARIANT_VIOLATED_BEHAVIOR "Invariant %1% is violated."
//   2107 TLC_INVARIANT_VIOLATED_INITIAL  "Invariant %1% is violated by the initial state:\n%2%"
//   2114 TLC_DEADLOCK_REACHED            "Deadlock reached."
//   2121 TLC_BEHAVIOR_UP_TO_THIS_POINT, 2217 TLC_STATE_PRINT2 "%1%: %2%\n%3%" (a trace state),
//   2218 TLC_STATE_PRINT3 "%1%: Stuttering", 2122 TLC_BACK_TO_STATE "%1%: Back to state."
//   2193 TLC_SUCCESS, 2194 TLC_SEARCH_DEPTH "The depth of the complete state graph search is %1%."
//   2199 TLC_STATS "%1% states generated, %2% distinct states found, %3% states left on queue."
//   2185/2186 TLC_STARTING/TLC_FINISHED, 2132 TLC_VALUE_ASSERT_FAILED, 3002/2171 parsing failed,
//   2222.. config errors.
// Exit status (EC.ExitStatus): 0 success, 10 assumption, 11 deadlock, 12 safety, 13 liveness,
// 14 assert, 75 spec eval, 76 safety eval, 77 liveness eval, 150 spec parse, 151 config parse,
// 152 state space too large, 153 system, 255 other.
import type { CheckError } from './result.ts';

export interface TlcMessage {
  code: number;
  /** 0 none, 1 error, 2 TLC bug, 3 warning, 4 state. */
  severity: number;
  text: string;
}

export const TLC_EXIT = {
  success: 0,
  assumption: 10,
  deadlock: 11,
  safety: 12,
  liveness: 13,
  assert: 14,
  specEval: 75,
  safetyEval: 76,
  livenessEval: 77,
  specParse: 150,
  configParse: 151,
  tooLarge: 152,
  system: 153,
} as const;

const START = /^@!@!@STARTMSG (\d+):(\d+) @!@!@$/;
const END = /^@!@!@ENDMSG (\d+) @!@!@$/;

/** Split -tool output into messages; text outside messages (e.g. JVM output) is ignored. */
export function parseTlcToolOutput(output: string): TlcMessage[] {
  const messages: TlcMessage[] = [];
  const stack: { code: number; severity: number; lines: string[] }[] = [];
  for (const line of output.split(/\r?\n/)) {
    const start = START.exec(line);
    if (start) {
      stack.push({ code: Number(start[1]), severity: Number(start[2]), lines: [] });
      continue;
    }
    const end = END.exec(line);
    if (end && stack.length > 0) {
      const m = stack.pop() as { code: number; severity: number; lines: string[] };
      if (m.code !== Number(end[1]))
        throw new Error(`TLC output: ENDMSG ${end[1]} closes STARTMSG ${m.code}`);
      messages.push({ code: m.code, severity: m.severity, text: m.lines.join('\n') });
      continue;
    }
    stack[stack.length - 1]?.lines.push(line);
  }
  if (stack.length > 0)
    throw new Error(`TLC output ends inside message ${stack[stack.length - 1]?.code}`);
  return messages;
}

/** A trace state printed by TLC (2217/2218/2122): its number, action label and `/\ var = value` lines. */
export interface TlcTraceState {
  number: number;
  label: string;
  /** Variable -> TLA+ text of its value. */
  values: Record<string, string>;
  kind: 'state' | 'stuttering' | 'back-to-state';
}

export function parseTlcStatePrint(message: TlcMessage): TlcTraceState {
  const [head = '', ...rest] = message.text.split('\n');
  const m = /^(\d+): (.*)$/.exec(head);
  if (!m) throw new Error(`TLC state message ${message.code}: cannot read "${head}"`);
  const kind =
    message.code === 2218 ? 'stuttering' : message.code === 2122 ? 'back-to-state' : 'state';
  const values: Record<string, string> = {};
  let current: string | null = null;
  for (const line of rest) {
    const v = /^\/\\ (\w+) = (.*)$/.exec(line);
    if (v) {
      current = v[1] as string;
      values[current] = v[2] as string;
    } else if (current && line.trim() !== '') values[current] = `${values[current]}\n${line}`;
  }
  // A one-variable spec prints `x = 1` without the conjunction bullet.
  if (Object.keys(values).length === 0 && rest.length > 0) {
    const single = /^(\w+) = (.*)$/.exec(rest.join('\n'));
    if (single) values[single[1] as string] = single[2] as string;
  }
  return { number: Number(m[1]), label: m[2] as string, values, kind };
}

export interface TlcRunSummary {
  outcome: 'ok' | 'invariant' | 'deadlock' | 'error';
  invariant?: string;
  distinct?: number;
  generated?: number;
  depth?: number;
  trace: TlcTraceState[];
  error?: CheckError;
  messages: TlcMessage[];
}

const firstLineAndPosition = (text: string) => {
  const pos = /line (\d+), col(?:umn)? (\d+)/.exec(text);
  return pos ? { line: Number(pos[1]), column: Number(pos[2]) } : undefined;
};

/** Interpret TLC's messages and exit status. `specPath`/`cfgPath` name files in errors. */
export function summarizeTlcRun(
  output: string,
  exitCode: number,
  specPath: string,
  cfgPath: string,
): TlcRunSummary {
  let messages: TlcMessage[];
  try {
    messages = parseTlcToolOutput(output);
  } catch (error) {
    return {
      outcome: 'error',
      trace: [],
      messages: [],
      error: {
        kind: 'engine-crash',
        message: `unreadable TLC output: ${(error as Error).message}`,
      },
    };
  }
  const summary: TlcRunSummary = { outcome: 'error', trace: [], messages };
  for (const m of messages) {
    if (m.code === 2199) {
      const s = /([\d,]+) states generated, ([\d,]+) distinct states found/.exec(m.text);
      if (s) {
        summary.generated = Number((s[1] as string).replace(/,/g, ''));
        summary.distinct = Number((s[2] as string).replace(/,/g, ''));
      }
    } else if (m.code === 2194) {
      const d = /search is (\d+)/.exec(m.text);
      if (d) summary.depth = Number(d[1]);
    } else if (m.code === 2217 || m.code === 2218 || m.code === 2122) {
      summary.trace.push(parseTlcStatePrint(m));
    }
  }
  const find = (...codes: number[]) => messages.find((m) => codes.includes(m.code));
  const errorText = () =>
    messages
      .filter((m) => m.severity === 1 || m.severity === 2)
      .map((m) => m.text.trim())
      .join('\n') || `TLC exited with status ${exitCode} and no error message`;

  switch (exitCode) {
    case TLC_EXIT.success:
      if (!find(2193)) {
        summary.error = {
          kind: 'engine-crash',
          message: 'TLC exited with status 0 without reporting success (2193)',
        };
        return summary;
      }
      summary.outcome = 'ok';
      return summary;
    case TLC_EXIT.safety: {
      const violated = find(2110, 2107);
      const name = violated ? /Invariant (\S+) is violated/.exec(violated.text)?.[1] : undefined;
      summary.outcome = 'invariant';
      summary.invariant = name ?? 'unknown';
      // An invariant violated by an initial state comes with the state in the message itself.
      if (violated?.code === 2107 && summary.trace.length === 0) {
        const body = violated.text.split('\n').slice(1).join('\n');
        summary.trace.push(
          parseTlcStatePrint({ code: 2217, severity: 4, text: `1: <Initial predicate>\n${body}` }),
        );
      }
      return summary;
    }
    case TLC_EXIT.deadlock:
      summary.outcome = 'deadlock';
      return summary;
    case TLC_EXIT.specParse: {
      const text = errorText();
      const pos = firstLineAndPosition(text);
      const err: CheckError = {
        kind: 'syntax',
        message: pos ? `${specPath}:${pos.line}:${pos.column}: ${text}` : `${specPath}: ${text}`,
        file: specPath,
      };
      if (pos) err.line = pos.line;
      summary.error = err;
      return summary;
    }
    case TLC_EXIT.configParse: {
      const text = errorText();
      summary.error = {
        kind: /identifier (\w+) does not appear in the specification|not assigned a value/.test(
          text,
        )
          ? 'unknown-constant'
          : 'config',
        message: `${cfgPath}: ${text}`,
        file: cfgPath,
      };
      return summary;
    }
    case TLC_EXIT.assumption:
    case TLC_EXIT.assert:
    case TLC_EXIT.liveness:
    case TLC_EXIT.specEval:
    case TLC_EXIT.safetyEval:
    case TLC_EXIT.livenessEval:
      summary.error = { kind: 'evaluation', message: `TLC exit ${exitCode}: ${errorText()}` };
      return summary;
    case TLC_EXIT.tooLarge:
      summary.error = {
        kind: 'state-bound',
        message: `TLC: state space too large (exit 152): ${errorText()}`,
      };
      return summary;
    default:
      summary.error = { kind: 'engine-crash', message: `TLC exit ${exitCode}: ${errorText()}` };
      return summary;
  }
}

// The host side of the agent protocol: line-delimited JSON over the guest's second serial port.
// Requests are flat objects (strings, integers, booleans) because the agent's parser is small
// on purpose (guest/agent.c parse_req).

export type RequestParams = Record<string, string | number | boolean>;

export interface AgentRequest extends RequestParams {
  id: number;
  op: string;
}

export type AgentResult = Record<string, unknown>;

export type AgentMessage =
  | { kind: 'ready'; release: string; delayMs: number }
  | { kind: 'setup-failed'; release: string; error: string }
  | { kind: 'response'; id: number; ok: true; result: AgentResult }
  | { kind: 'response'; id: number | null; ok: false; error: string };

export function encodeRequest(req: AgentRequest): string {
  for (const [k, v] of Object.entries(req)) {
    if (!/^[A-Za-z][A-Za-z0-9_]{0,30}$/.test(k))
      throw new Error(`request key "${k}" is not a plain identifier`);
    if (typeof v === 'number' && !Number.isInteger(v))
      throw new Error(`request ${k}=${v}: the agent takes integers only`);
    if (typeof v === 'string' && (/["\\\n\r]/.test(v) || v.length > 2000))
      throw new Error(`request ${k}: string has quotes, newlines or is too long`);
  }
  return `${JSON.stringify(req)}\n`;
}

export class ProtocolError extends Error {
  override name = 'ProtocolError';
}

export function decodeMessage(line: string): AgentMessage {
  let v: unknown;
  try {
    v = JSON.parse(line);
  } catch {
    throw new ProtocolError(
      `agent sent a line that is not JSON: ${JSON.stringify(line.slice(0, 200))}`,
    );
  }
  if (typeof v !== 'object' || v === null)
    throw new ProtocolError(`agent sent a non-object: ${line.slice(0, 200)}`);
  const o = v as Record<string, unknown>;
  if (o.event === 'ready' && typeof o.release === 'string') {
    return {
      kind: 'ready',
      release: o.release,
      delayMs: typeof o.delayMs === 'number' ? o.delayMs : 0,
    };
  }
  if (o.event === 'setup-failed') {
    return { kind: 'setup-failed', release: String(o.release ?? ''), error: String(o.error ?? '') };
  }
  if (
    o.ok === true &&
    typeof o.id === 'number' &&
    typeof o.result === 'object' &&
    o.result !== null
  ) {
    return { kind: 'response', id: o.id, ok: true, result: o.result as AgentResult };
  }
  if (o.ok === false && (typeof o.id === 'number' || o.id === null)) {
    return {
      kind: 'response',
      id: o.id as number | null,
      ok: false,
      error: String(o.error ?? 'unknown error'),
    };
  }
  throw new ProtocolError(`agent sent an unknown message: ${line.slice(0, 200)}`);
}

/** Splits a byte stream into lines, keeping the unfinished tail for the next chunk. */
export class LineSplitter {
  private tail = '';
  push(chunk: string): string[] {
    const text = this.tail + chunk;
    const lines = text.split('\n');
    this.tail = lines.pop() ?? '';
    return lines.map((l) => l.replace(/\r$/, '')).filter((l) => l !== '');
  }
}

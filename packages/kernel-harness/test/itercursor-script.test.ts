// The IterCursor realisation without a kernel: the step script, the decoding of the guest's
// answer and its cross-checks, and the generated suites run through the qemu target against a
// fake guest that moves bytes the way preadv/pwritev do (short at EOF / RLIMIT_FSIZE), and
// against fake guests with faults, which must fail.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  loadSuite,
  planScenario,
  RUN_ELSEWHERE,
  runPlanned,
  type ScenarioAction,
  type SuiteData,
} from '@pinlab/testgen';
import { describe, expect, it } from 'vitest';
import type { KernelSession } from '../src/session.ts';
import {
  ITERCURSOR_ODD_UNIT,
  ITERCURSOR_TOTAL,
  ITERCURSOR_UNIT,
  ITERCURSOR_UNOBSERVABLE,
  iterCursorObservations,
  iterCursorRequest,
  iterCursorScript,
  supportsIterCursor,
} from '../src/specs/itercursor.ts';
import { createQemuTarget } from '../src/target.ts';

const repo = join(fileURLToPath(new URL('.', import.meta.url)), '..', '..', '..');
const suiteDir = join(repo, 'generated-tests', 'IterCursor');
// Every IterCursor config's suite, in the generator's order: a scenario stored once is run in
// the first config that has it (testgen runIn), so a subset of the suites would miss some.
const configs = readdirSync(suiteDir)
  .filter((f) => f.endsWith('.suite.json'))
  .map((f) => f.slice(0, -'.suite.json'.length))
  .sort();
const suites: SuiteData[] = configs.map((c) => loadSuite(join(suiteDir, `${c}.suite.json`)));

const A = (name: string, p: Record<string, string | number> = {}): ScenarioAction => ({
  name,
  ...p,
});

/** UserHole: the range's bytes before its unmapped second page (PAGE - FlatStart). */
const HOLE_START = 2;
/** IovecHole: segment 4's bytes, Prefix[4]..Prefix[5] - 1, are unmapped. */
const IOVEC_HOLE = [2, 5] as const;

/**
 * A guest that answers itercursor_script the way the kernel moves bytes: a transfer cut at
 * `target` model bytes moves min(target, Total) (short read at EOF, RLIMIT_FSIZE for writes),
 * a full transfer moves Total, no iterator moves 0; a Copy (UserHole, IovecHole) of min(n,
 * count) bytes from the cursor copies up to the unmapped page and returns that (IOVEC: all of
 * them past the hole), or -EFAULT when it is nothing. `fault` bends one of the answers.
 */
function fakeGuest(
  fault?: (step: number, r: number[]) => number[],
  errors = '',
): (params: Record<string, unknown>) => Record<string, unknown> {
  return (params) => {
    const steps = String(params.steps).split(';');
    let pos = 0;
    const out = steps.map((s, i) => {
      let units: number;
      if (s[0] === 'C') {
        const m = Math.min(Number(s.slice(1)), ITERCURSOR_TOTAL - pos);
        const [from, to] = params.type === 'IOVEC' ? IOVEC_HOLE : [HOLE_START, ITERCURSOR_TOTAL];
        const got = pos < from ? Math.min(m, from - pos) : pos < to ? 0 : m;
        pos += got;
        const r = m > 0 && got === 0 ? -14 : got * ITERCURSOR_UNIT;
        return (fault?.(i, [r, r]) ?? [r, r]).join(',');
      }
      if (s === '0') units = 0;
      else if (s === 'I') {
        units = ITERCURSOR_TOTAL;
        pos = 0;
      } else {
        const n = Number(s.slice(1));
        const target = s[0] === 'A' ? pos + n : pos - n;
        if (target < 0) throw new Error('over-revert');
        units = Math.min(target, ITERCURSOR_TOTAL);
        pos = units;
      }
      const r = [
        units * ITERCURSOR_UNIT,
        units * ITERCURSOR_UNIT,
        units * ITERCURSOR_ODD_UNIT,
        units * ITERCURSOR_ODD_UNIT,
      ];
      return (fault?.(i, r) ?? r).join(',');
    });
    return {
      type: params.type,
      steps: out.join(';'),
      errors,
      unit: params.unit,
      oddUnit: params.oddUnit,
    };
  };
}

function targetWith(guest: ReturnType<typeof fakeGuest>, name = '6.12') {
  const session = {
    name,
    async request(op: string, params: Record<string, unknown>) {
      expect(op).toBe('itercursor_script');
      return guest(params);
    },
  } as unknown as KernelSession;
  return createQemuTarget(session, name === '6.1' ? 'linux-6.1' : 'linux-6.12');
}

async function runAll(target: ReturnType<typeof targetWith>, profile: string) {
  const tally = { run: 0, passed: 0, failed: 0, errors: 0, notApplicable: 0 };
  const reasons = new Map<string, number>();
  const details: string[] = [];
  for (const suite of suites) {
    for (const s of suite.scenarios) {
      const plan = planScenario(suite, s, profile, target);
      if (plan.kind === 'not-applicable') {
        tally.notApplicable++;
        reasons.set(plan.reason, (reasons.get(plan.reason) ?? 0) + 1);
        continue;
      }
      tally.run++;
      try {
        const m = await runPlanned(plan, profile, target);
        if (m.length === 0) tally.passed++;
        else {
          tally.failed++;
          details.push(JSON.stringify(m[0]));
        }
      } catch (e) {
        tally.errors++;
        details.push((e as Error).message);
      }
    }
  }
  return { tally, reasons, details };
}

describe('IterCursor in the guest: actions', () => {
  it('realises Init, IterInit of user-backed types, Advance and Revert; not Extract nor kernel-only types', () => {
    expect(supportsIterCursor(A('Init'))).toBe(true);
    expect(supportsIterCursor(A('IterInit', { type: 'IOVEC' }))).toBe(true);
    expect(supportsIterCursor(A('IterInit', { type: 'UBUF' }))).toBe(true);
    for (const type of ['KVEC', 'BVEC', 'XARRAY'])
      expect(supportsIterCursor(A('IterInit', { type }))).toBe(false);
    expect(supportsIterCursor(A('Advance', { bytes: 0 }))).toBe(true);
    expect(supportsIterCursor(A('Revert', { bytes: 3 }))).toBe(true);
    expect(supportsIterCursor(A('Copy', { bytes: 2 }))).toBe(true);
    expect(supportsIterCursor(A('Advance', { bytes: -1 }))).toBe(false);
    expect(supportsIterCursor(A('Advance', { bytes: 'x' }))).toBe(false);
    expect(supportsIterCursor(A('Extract', { maxsize: 2 }))).toBe(false);
    expect(supportsIterCursor(A('Bogus'))).toBe(false);
  });

  it('encodes the step script and the request, and refuses what the guest cannot run', () => {
    const actions = [
      A('Init'),
      A('IterInit', { type: 'UBUF' }),
      A('Advance', { bytes: 3 }),
      A('Revert', { bytes: 1 }),
    ];
    expect(iterCursorScript(actions)).toBe('0;I;A3;R1');
    expect(iterCursorRequest(actions)).toEqual({
      type: 'UBUF',
      steps: '0;I;A3;R1',
      unit: 1024,
      oddUnit: 1021,
      hole: 0,
    });
    // A run with a Copy (UserHole) asks for the range with its second page unmapped.
    expect(iterCursorRequest([...actions, A('Copy', { bytes: 2 })])).toMatchObject({
      steps: '0;I;A3;R1;C2',
      hole: 1,
    });
    expect(iterCursorRequest([A('Init')]).type).toBe('IOVEC');
    expect(() => iterCursorScript([A('Init'), A('Extract', { maxsize: 6 })])).toThrow(
      /step 1 Extract cannot run/,
    );
  });
});

describe('IterCursor in the guest: decoding the answer', () => {
  const actions = [
    A('Init'),
    A('IterInit', { type: 'IOVEC' }),
    A('Advance', { bytes: 3 }),
    A('Revert', { bytes: 2 }),
  ];
  const answer = (steps: string, errors = '') => ({ steps, errors, unit: 1024, oddUnit: 1021 });

  it('derives count from the kernel return values: whole transfers give count, cut ones the rest', () => {
    expect(
      iterCursorObservations(
        answer('0,0,0,0;6144,6144,6126,6126;3072,3072,3063,3063;1024,1024,1021,1021'),
        actions,
      ),
    ).toEqual([{ count: 0 }, { count: 6 }, { count: 3 }, { count: 5 }]);
  });

  it('a UserHole Copy moves the cursor by what the read copied, nothing on -EFAULT', () => {
    const copies = [
      A('Init'),
      A('IterInit', { type: 'UBUF' }),
      A('Copy', { bytes: 1 }),
      A('Copy', { bytes: 3 }),
      A('Copy', { bytes: 2 }),
      A('Revert', { bytes: 2 }),
    ];
    const steps = '0,0,0,0;6144,6144,6126,6126;1024,1024;1024,1024;-14,-14;4096,4096,4084,4084';
    expect(iterCursorObservations(answer(steps), copies)).toEqual([
      { count: 0 },
      { count: 6 },
      { count: 5 },
      { count: 4 },
      { count: 4 },
      { count: 2 },
    ]);
    expect(() => iterCursorObservations(answer(steps.replace('-14,-14', '-14,0')), copies)).toThrow(
      /step 4 Copy\(2\): the copy read returned -14 but the write 0/,
    );
    expect(() =>
      iterCursorObservations(answer(steps.replace('-14,-14', '-12,-12')), copies),
    ).toThrow(/step 4 Copy\(2\): the copy failed \(-12\), not with -EFAULT/);
    expect(() =>
      iterCursorObservations(answer(steps.replace('1024,1024;-14', '1024,1024,0;-14')), copies),
    ).toThrow(/step 3 Copy\(3\): malformed guest answer/);
  });

  it('reports exactly the adapter keys it can see, and declares the others unobservable', () => {
    const expected = suites[0]?.scenarios[0]?.expect['linux-6.1'];
    const keys = Object.keys(
      expected !== undefined && 'observations' in expected ? (expected.observations[0] ?? {}) : {},
    );
    expect(keys.length).toBeGreaterThan(0);
    const seen = Object.keys(iterCursorObservations(answer('0,0,0,0'), [A('Init')])[0] ?? {});
    expect([...seen, ...ITERCURSOR_UNOBSERVABLE].sort()).toEqual([...keys].sort());
  });

  it('fails on a misplaced byte, a disagreeing transfer, a failed read or a short answer', () => {
    const ok = '0,0,0,0;6144,6144,6126,6126;3072,3072,3063,3063;1024,1024,1021,1021';
    expect(() =>
      iterCursorObservations(
        answer(ok, 'step 2 read unit 1024: segment 4 holds 0 data bytes'),
        actions,
      ),
    ).toThrow(/landed where the iovec walk does not put them: step 2/);
    expect(() =>
      iterCursorObservations(answer(ok.replace('3072,3072,3063', '3072,2048,3063')), actions),
    ).toThrow(/step 2 Advance\(3\): the read moved 3072 bytes .* the write moved 2048/);
    expect(() =>
      iterCursorObservations(
        answer(ok.replace('1024,1024,1021,1021', '1024,1024,1020,1021')),
        actions,
      ),
    ).toThrow(/step 3 Revert\(2\).*1021 bytes per model byte moved 1020/);
    expect(() => iterCursorObservations(answer('0,0,0,0;-14,0,0,0'), actions.slice(0, 2))).toThrow(
      /step 1 IterInit\(IOVEC\): the read failed \(-14\)/,
    );
    expect(() => iterCursorObservations(answer('0,0,0,0'), actions)).toThrow(
      /1 steps for 4 actions/,
    );
    expect(() => iterCursorObservations({ steps: '0,0,0,0' }, [A('Init')])).toThrow(/no unit/);
  });
});

describe('IterCursor generated suites through the qemu target (fake guest)', () => {
  for (const [kernel, profile] of [
    ['6.1', 'linux-6.1'],
    ['6.12', 'linux-6.12'],
  ] as const) {
    it(`every applicable scenario passes under ${profile} with a guest that moves bytes as preadv does`, async () => {
      const { tally, reasons, details } = await runAll(targetWith(fakeGuest(), kernel), profile);
      expect(details).toEqual([]);
      expect(tally.run).toBeGreaterThan(0);
      expect(tally.passed).toBe(tally.run);
      // The rest is not applicable, for a named reason: Extract, GetPages,
      // RevertWrapped and FaultIn (in-kernel callers'), CopyMc (a machine check on pmem), a kernel-only iterator type, or the scenario is stored once and run in an earlier
      // config (testgen runIn).
      expect(tally.notApplicable).toBeGreaterThan(0);
      for (const r of reasons.keys())
        if (r !== RUN_ELSEWHERE)
          expect(r).toMatch(
            new RegExp(
              `^target qemu:${kernel.replace('.', '\\.')}: (Extract: one iov_iter_extract_pages result is not visible from user space|GetPages: one iov_iter_get_pages_alloc2 result is not visible from user space|GetPagesOne: one iov_iter_get_pages2 result into a one-page array is not visible from user space .*|RevertWrapped: a wrong-sign iov_iter_revert comes from an in-kernel caller .*|FaultIn: fault_in_iov_iter_writeable is an in-kernel call .*|CopyMc: _copy_mc_to_iter stops short only at a machine check .*|IterInit (KVEC|BVEC|XARRAY|FOLIOQ|BVECQ|DISCARD): kernel-only iterator$)`,
            ),
          );
      // No scenario is refused for its Extract alone any more: each runs up to it (prefix
      // runs). The last that were, the UserHole configs' (refused as a whole until their Copy
      // was realised), now run too.
      expect([...reasons.keys()].some((r) => r.includes('kernel-only iterator'))).toBe(true);
    });
  }

  it('a kernel that stops one byte short after an Advance fails, showing model and kernel counts', async () => {
    const short = fakeGuest((step, r) =>
      step === 2 ? r.map((x, k) => x - (k < 2 ? ITERCURSOR_UNIT : ITERCURSOR_ODD_UNIT)) : r,
    );
    const { tally, details } = await runAll(targetWith(short), 'linux-6.12');
    expect(tally.failed).toBeGreaterThan(0);
    expect(details.some((d) => /"key":"count"/.test(d) && /"expected"/.test(d))).toBe(true);
  });

  it('a guest that reports misplaced bytes or a write that disagrees turns every run into an error', async () => {
    const misplaced = await runAll(targetWith(fakeGuest(undefined, 'step 1: stray')), 'linux-6.1');
    expect(misplaced.tally.errors).toBe(misplaced.tally.run);
    const torn = await runAll(
      targetWith(fakeGuest((step, r) => (step === 1 ? [r[0] ?? 0, 0, r[2] ?? 0, r[3] ?? 0] : r))),
      'linux-6.1',
    );
    expect(torn.tally.errors).toBe(torn.tally.run);
  });
});

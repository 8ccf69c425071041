// The guest's IterCursor code (guest/itercursor.c) built for the host and run against the
// host's own kernel, without QEMU: the same C the agent runs, with preadv/pwritev interposed so
// a test can make the "kernel" misplace bytes and see the guest's checks catch it. Needs gcc;
// without it the block says so and skips. The host kernel is not a profile kernel: these tests
// check the guest code and its decoding, the QEMU tests (itercursor-kernel) check 6.1 and 6.12.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadSuite, planScenario, runPlanned, type ScenarioAction } from '@pinlab/testgen';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AGENT_SOURCE } from '../src/agent-build.ts';
import type { KernelSession } from '../src/session.ts';
import { iterCursorObservations, iterCursorRequest } from '../src/specs/itercursor.ts';
import { createQemuTarget } from '../src/target.ts';
import { handWalk } from './itercursor-hand-walk.ts';

const hasGcc = spawnSync('gcc', ['--version']).status === 0;
const repo = join(AGENT_SOURCE, '..', '..', '..', '..');

// Faults (env PL_FAULT): `stray` writes a byte at the zero-length segment 3's address after a
// read, `shift` moves segment 4's first data byte one place on, `order` writes segments 4 and 5
// in swapped order, `before` writes the byte before a pread()'s buffer (the UserHole copy's
// checks must see it).
const DRIVER = `#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
static ssize_t pl_preadv(int fd, const struct iovec *iov, int n, off_t off);
static ssize_t pl_pwritev(int fd, const struct iovec *iov, int n, off_t off);
static ssize_t pl_pread(int fd, void *buf, size_t len, off_t off);
#define preadv pl_preadv
#define pwritev pl_pwritev
#define pread pl_pread
#define main agent_main
#include "${AGENT_SOURCE}"
#undef main
#undef preadv
#undef pwritev
#undef pread
static const char *fault(void) { const char *f = getenv("PL_FAULT"); return f ? f : ""; }
static ssize_t pl_pread(int fd, void *buf, size_t len, off_t off) {
  ssize_t r = pread(fd, buf, len, off);
  if (r > 0 && strcmp(fault(), "before") == 0) ((unsigned char *)buf)[-1] = 1;
  return r;
}
static ssize_t pl_preadv(int fd, const struct iovec *iov, int n, off_t off) {
  ssize_t r = preadv(fd, iov, n, off);
  if (r > 0 && n == 5 && strcmp(fault(), "stray") == 0) ((unsigned char *)iov[2].iov_base)[0] = 1;
  if (r > 2048 && n == 5 && strcmp(fault(), "shift") == 0) {
    unsigned char *b = iov[3].iov_base;
    b[1] = b[0], b[0] = 0xEE;
  }
  return r;
}
static ssize_t pl_pwritev(int fd, const struct iovec *iov, int n, off_t off) {
  if (n == 5 && strcmp(fault(), "order") == 0) {
    struct iovec v[5] = {iov[0], iov[1], iov[2], iov[4], iov[3]};
    return pwritev(fd, v, n, off);
  }
  return pwritev(fd, iov, n, off);
}
int main(int argc, char **argv) {
  struct req r;
  char err[512] = "";
  struct out o = {{0}, 0};
  if (argc < 2 || parse_req(argv[1], &r) < 0) return 2;
  outf(&o, "{");
  int rc = run_op(req_str(&r, "op", ""), &r, &o, err, sizeof err);
  outf(&o, "}");
  if (rc != 0) return fprintf(stderr, "%s\\n", err), 1;
  printf("%s\\n", o.buf);
  return 0;
}
`;

let dir = '';
let exe = '';

function runGuest(params: Record<string, unknown>, faultName = ''): Record<string, unknown> {
  const out = execFileSync(exe, [JSON.stringify({ op: 'itercursor_script', ...params })], {
    env: { ...process.env, PL_FAULT: faultName },
    encoding: 'utf8',
  });
  return JSON.parse(out) as Record<string, unknown>;
}

const hand = handWalk('IOVEC');

describe.runIf(!hasGcc)('IterCursor guest code on the host kernel', () => {
  it.skip('skipped: gcc is not installed (the agent cannot be built either)', () => {});
});

describe.skipIf(!hasGcc)('IterCursor guest code on the host kernel', () => {
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'pinlab-itercursor-'));
    writeFileSync(join(dir, 'driver.c'), DRIVER);
    exe = join(dir, 'driver');
    execFileSync('gcc', ['-O2', '-Wall', '-o', exe, join(dir, 'driver.c')], { stdio: 'pipe' });
  }, 120_000);
  afterAll(() => {
    if (dir !== '') rmSync(dir, { recursive: true, force: true });
  });

  it('moves bytes as the iovec walk says for IOVEC and UBUF, reads and writes, both scales', () => {
    for (const type of ['IOVEC', 'UBUF']) {
      const actions = handWalk(type);
      const result = runGuest(iterCursorRequest(actions));
      expect(result.errors).toBe('');
      expect(iterCursorObservations(result, actions).map((o) => o.count)).toEqual([
        0, 6, 6, 4, 3, 0, 0, 3, 5,
      ]);
    }
    // The largest Advance the target accepts (12) from the middle still clamps to count.
    const far: ScenarioAction[] = [
      { name: 'Init' },
      { name: 'IterInit', type: 'IOVEC' },
      { name: 'Advance', bytes: 5 },
      { name: 'Advance', bytes: 12 },
      { name: 'Revert', bytes: 6 },
    ];
    expect(iterCursorObservations(runGuest(iterCursorRequest(far)), far)).toEqual([
      { count: 0 },
      { count: 6 },
      { count: 1 },
      { count: 0 },
      { count: 6 },
    ]);
  });

  it('catches a byte written where no segment data belongs, a misplaced byte and a write out of order', () => {
    const req = iterCursorRequest(hand);
    const stray = runGuest(req, 'stray');
    expect(String(stray.errors)).toMatch(/bytes changed outside the filled segment parts/);
    expect(() => iterCursorObservations(stray, hand)).toThrow(/does not put them/);
    const shift = runGuest(req, 'shift');
    expect(String(shift.errors)).toMatch(/segment 4 holds 0 data bytes, a \d+-byte read fills/);
    const order = runGuest(req, 'order');
    expect(String(order.errors)).toMatch(/written bytes are not the source bytes in segment order/);
  });

  it('UserHole: a copy stops at the unmapped page, -EFAULT from inside it, the cursor moved by what was copied', () => {
    const A = (name: string, p: Record<string, string | number> = {}): ScenarioAction => ({
      name,
      ...p,
    });
    const actions = [
      A('Init'),
      A('IterInit', { type: 'UBUF' }),
      A('Copy', { bytes: 1 }),
      A('Copy', { bytes: 3 }),
      A('Copy', { bytes: 2 }),
      A('Revert', { bytes: 2 }),
      A('Advance', { bytes: 1 }),
      A('Copy', { bytes: 3 }),
      A('Advance', { bytes: 3 }),
      A('Copy', { bytes: 1 }),
      A('Advance', { bytes: 1 }),
      A('Copy', { bytes: 2 }),
    ];
    const req = iterCursorRequest(actions);
    const result = runGuest(req);
    expect(result.errors).toBe('');
    // Copy 1 from 0: 1; Copy 3 from 1: the 1 before the hole; Copy 2 from 2 and Copy 1 from 5:
    // -EFAULT (read and write); the last Copy, with nothing left: 0.
    expect(
      String(result.steps)
        .split(';')
        .filter((x) => x.split(',').length === 2),
    ).toEqual(['1024,1024', '1024,1024', '-14,-14', '1024,1024', '-14,-14', '0,0']);
    expect(iterCursorObservations(result, actions).map((o) => o.count)).toEqual([
      0, 6, 5, 4, 4, 6, 5, 4, 1, 1, 0, 0,
    ]);
    expect(String(runGuest(req, 'before').errors)).toMatch(
      /step 2 copy read: 1 bytes of the mapped pages differ from a 1024-byte copy at the cursor/,
    );
    const noHole = spawnSync(
      exe,
      [JSON.stringify({ op: 'itercursor_script', type: 'UBUF', steps: '0;I;C1' })],
      { encoding: 'utf8' },
    );
    expect(noHole.stderr).toMatch(/step 2 Copy without a hole layout/);
  });

  it('IovecHole: a preadv/pwritev copy stops at the unmapped iovec, -EFAULT from inside it, and copies from segment 5 once advanced past it', () => {
    const A = (name: string, p: Record<string, string | number> = {}): ScenarioAction => ({
      name,
      ...p,
    });
    const actions = [
      A('Init'),
      A('IterInit', { type: 'IOVEC' }),
      A('Copy', { bytes: 1 }),
      A('Copy', { bytes: 3 }),
      A('Copy', { bytes: 2 }),
      A('Advance', { bytes: 3 }),
      A('Copy', { bytes: 2 }),
      A('Revert', { bytes: 2 }),
      A('Copy', { bytes: 1 }),
      A('Revert', { bytes: 3 }),
      A('Copy', { bytes: 3 }),
    ];
    const req = iterCursorRequest(actions);
    const result = runGuest(req);
    expect(result.errors).toBe('');
    // Copy 1 from 0: 1; Copy 3 from 1: the 1 left in segment 2 (segment 5 after the hole not
    // reached); Copy 2 from 2 (the hole's first byte): -EFAULT; Copy 2 from 5 (advanced past
    // the hole): segment 5's 1; Copy 1 from 4 (inside the hole): -EFAULT; Copy 3 from 1: 1.
    expect(
      String(result.steps)
        .split(';')
        .filter((x) => x.split(',').length === 2),
    ).toEqual(['1024,1024', '1024,1024', '-14,-14', '1024,1024', '-14,-14', '1024,1024']);
    expect(iterCursorObservations(result, actions).map((o) => o.count)).toEqual([
      0, 6, 5, 4, 4, 1, 0, 2, 2, 5, 4,
    ]);
    // A "kernel" that writes a byte into the zero-length segment 3 is seen on the copy too.
    expect(String(runGuest(req, 'stray').errors)).toMatch(
      /step 2 copy read: 1 bytes of the mapped pages differ from a 1024-byte copy at the cursor/,
    );
  });

  it('refuses a revert past the start, a kernel-only type and a malformed step, naming them', () => {
    const fail = (params: Record<string, unknown>) =>
      spawnSync(exe, [JSON.stringify({ op: 'itercursor_script', ...params })], {
        encoding: 'utf8',
      });
    const over = fail({ type: 'IOVEC', steps: '0;I;A1;R2' });
    expect(over.status).toBe(1);
    expect(over.stderr).toMatch(/step 3 Revert\(2\) past the start \(consumed 1\)/);
    expect(fail({ type: 'KVEC', steps: '0;I' }).stderr).toMatch(/KVEC is not realisable/);
    expect(fail({ type: 'IOVEC', steps: '0;I;X1' }).stderr).toMatch(/bad step "X1"/);
    expect(fail({ type: 'IOVEC', steps: '0;A1' }).stderr).toMatch(/before IterInit/);
  });

  it.each(['IterCursor', 'IterCursor_user_hole', 'IterCursor_iovec_hole'])(
    'runs the %s suite prefixes the guest can realise through the qemu target and matches the model',
    async (config) => {
      const suite = loadSuite(join(repo, 'generated-tests', 'IterCursor', `${config}.suite.json`));
      const session = {
        name: 'host',
        async request(_op: string, params: Record<string, unknown>) {
          return runGuest(params);
        },
      } as unknown as KernelSession;
      const target = createQemuTarget(session, 'linux-6.1');
      let run = 0;
      const failures: string[] = [];
      for (const s of suite.scenarios) {
        const plan = planScenario(suite, s, 'linux-6.1', target);
        if (plan.kind === 'not-applicable') continue;
        run++;
        const m = await runPlanned(plan, 'linux-6.1', target);
        if (m.length > 0) failures.push(JSON.stringify(m[0]));
      }
      expect(failures).toEqual([]);
      expect(run).toBeGreaterThan(0);
    },
    120_000,
  );
});

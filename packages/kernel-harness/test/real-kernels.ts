// The real-kernel part of a test file: one describe per kernel named in PINLAB_KERNELS (e.g.
// PINLAB_KERNELS=6.1,6.12 after `pinlab kernel fetch all`), each booting its VM once in
// beforeAll and closing it in afterAll. Without PINLAB_KERNELS the block is a skipped test whose
// title says how to run it, so a skip is never mistaken for a pass.
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadSuite } from '@pinlab/testgen';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireKernel } from '../src/fetch.ts';
import { prepareGuest } from '../src/guest.ts';
import { KernelSession } from '../src/session.ts';
import { countBySpec, runSuitesOnTarget } from '../src/suites.ts';
import { createQemuTarget } from '../src/target.ts';

const repo = join(fileURLToPath(new URL('.', import.meta.url)), '..', '..', '..');

/** Kernels under test, from PINLAB_KERNELS. */
export const kernelsUnderTest: readonly string[] = (process.env.PINLAB_KERNELS ?? '')
  .split(',')
  .map((k) => k.trim())
  .filter((k) => k !== '');

/** A TCG boot on a loaded 2-core machine takes 10-50 s; the margin covers worse. */
export const BOOT_MS = 240_000;

/** The booted kernel of one describe block; read its fields inside tests (set in beforeAll). */
export interface BootedKernel {
  readonly name: string;
  readonly session: KernelSession;
  /** The profile the kernel must match (linux-6.1, linux-6.12). */
  readonly profile: string;
}

export function describeRealKernels(title: string, body: (k: BootedKernel) => void): void {
  if (kernelsUnderTest.length === 0) {
    describe(`${title} (real kernels in QEMU)`, () => {
      it.skip('skipped: set PINLAB_KERNELS=6.1,6.12 (after pinlab kernel fetch all) to boot them', () => {});
    });
    return;
  }
  describe(`${title} (${kernelsUnderTest.join(', ')})`, () => {
    for (const name of kernelsUnderTest) {
      describe(`qemu:${name}`, () => {
        let session: KernelSession | undefined;
        let profile: string | undefined;
        const booted: BootedKernel = {
          name,
          get session() {
            if (session === undefined) throw new Error(`qemu:${name} did not boot (see beforeAll)`);
            return session;
          },
          get profile() {
            if (profile === undefined)
              throw new Error(`qemu:${name} has no profile (see beforeAll)`);
            return profile;
          },
        };
        beforeAll(async () => {
          const img = requireKernel(name);
          profile = img.profile;
          session = new KernelSession(name, (await prepareGuest(img)).launcher);
          await session.boot();
        }, BOOT_MS);
        afterAll(async () => {
          await session?.close();
        });
        body(booted);
      });
    }
  });
}

/**
 * The time a whole suite of n scenarios may take in the guest: 10 minutes, or 2 minutes and 250 ms
 * per scenario when that is more. Under TCG a scenario takes 55-75 ms on an idle machine and over
 * twice that when the machine is loaded (ForkRace_file_fixed_buffers' 5019 took 278 s on 6.1 and
 * over 600 s on 6.12 beside other work); a guest that stops answering is caught per request by the
 * session's watchdog, not by this bound.
 */
export function wholeSuiteTimeoutMs(n: number): number {
  return Math.max(600_000, 120_000 + n * 250);
}

/**
 * Inside describeRealKernels: one test that runs every scenario of generated-tests/<spec>/<config>
 * in the guest and requires each to pass (none failed, none not applicable), printing the counts.
 */
export function itRunsWholeSuite(k: BootedKernel, spec: string, config: string): void {
  const suite = loadSuite(join(repo, 'generated-tests', spec, `${config}.suite.json`));
  it(
    `every generated ${config} scenario runs in the guest and matches the model`,
    async () => {
      const t0 = performance.now();
      const target = createQemuTarget(k.session, k.profile, { specsDir: join(repo, 'specs') });
      const outcomes = await runSuitesOnTarget([suite], target, k.profile);
      const ms = performance.now() - t0;
      const c = countBySpec(outcomes)[spec];
      console.info(
        `qemu:${k.name} ${config}: run ${c?.run} passed ${c?.passed} not applicable ${c?.notApplicable} in ${(ms / 1000).toFixed(1)} s`,
      );
      const bad = outcomes.filter((o) => o.outcome !== 'passed');
      expect(bad.map((o) => `${o.scenario}: ${o.outcome} ${o.detail ?? ''}`)).toEqual([]);
      expect(c?.passed).toBe(suite.scenarios.length);
    },
    wholeSuiteTimeoutMs(suite.scenarios.length),
  );
}

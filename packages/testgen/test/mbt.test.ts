import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { forkRaceAdapter } from '../src/adapters/fork-race.ts';
import { freezeSequence, modelBasedCheck, saveMbtFailure } from '../src/mbt.ts';
import { createEmbeddedStepper } from '../src/model/engine.ts';
import { toyAdapter } from './fixtures/toy-adapter.ts';

const fx = (f: string) => readFileSync(join(import.meta.dirname, 'fixtures', f), 'utf8');
const toy = createEmbeddedStepper('ToyPin', fx('ToyPin.tla'), fx('ToyPin.cfg'));

describe('fast-check model-based testing', () => {
  it('passes a faithful reference', () => {
    const r = modelBasedCheck({
      stepper: toy,
      adapter: toyAdapter(),
      config: 'ToyPin',
      profile: 'pinned',
      constants: { Hold: 'FOLL_PIN' },
      seed: 42,
      numRuns: 30,
      maxDepth: 6,
    });
    expect(r).toEqual({ ok: true, runs: 30 });
  });

  it('shrinks a failure to the shortest sequence and freezes it', () => {
    const r = modelBasedCheck({
      stepper: toy,
      adapter: toyAdapter({ buggyRelease: true }),
      config: 'ToyPin',
      profile: 'pinned',
      constants: { Hold: 'FOLL_PIN' },
      seed: 42,
      numRuns: 100,
      maxDepth: 8,
    });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    // Minimal: one Acquire then its Release (the buggy release drops 1 instead of the pin weight).
    expect(r.failure.actions.map((a) => a.name)).toEqual(['Init', 'Acquire', 'Release']);
    expect(r.failure.mismatches[0]).toMatch(/step 2 Release\(page=\d\): ref\d expected/);
    const root = mkdtempSync(join(tmpdir(), 'mbt-'));
    try {
      const saved = saveMbtFailure(root, r.failure);
      const frozen = freezeSequence(root, saved);
      expect(frozen.id).toBe(`ToyPin/frozen-pinned-42`);
      const list = JSON.parse(readFileSync(frozen.path, 'utf8'));
      expect(list).toHaveLength(1);
      expect(freezeSequence(root, saved).id).toBe(frozen.id); // idempotent
      expect(JSON.parse(readFileSync(frozen.path, 'utf8'))).toHaveLength(1);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('finds no divergence between the ForkRace model and the reference under 6.1 and 6.12', () => {
    const stepper = createEmbeddedStepper(
      'ForkRace',
      readFileSync(join(import.meta.dirname, '../../../specs/ForkRace.tla'), 'utf8'),
      readFileSync(join(import.meta.dirname, '../../../specs/ForkRace.cfg'), 'utf8'),
    );
    for (const [profile, hold] of [
      ['linux-6.1', 'FOLL_GET'],
      ['linux-6.12', 'FOLL_PIN'],
    ] as const) {
      const r = modelBasedCheck({
        stepper,
        adapter: forkRaceAdapter,
        config: 'ForkRace',
        profile,
        constants: {
          DioHold: hold,
          NumPages: 1,
          UseFixedBuffers: true,
          UseVmsplice: true,
          MaxFrames: 3,
        },
        seed: 7,
        numRuns: 8,
        maxDepth: 8,
      });
      expect(r).toEqual({ ok: true, runs: 8 });
    }
  }, 180_000);
});

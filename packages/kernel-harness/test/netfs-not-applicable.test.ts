// NetfsExtract is constrained by linux-6.12 (specs/profiles.json) but the guest cannot reach
// netfs/cifs extraction: every scenario is not applicable on qemu:6.12, with the reason, never
// run and never passed.
import { applicability, type Scenario } from '@pinlab/testgen';
import { describe, expect, it } from 'vitest';
import { KernelSession } from '../src/session.ts';
import { createQemuTarget } from '../src/target.ts';

describe('qemu target: NetfsExtract', () => {
  const target = createQemuTarget(
    new KernelSession('6.12', () => {
      throw new Error('no VM in this test');
    }),
    'linux-6.12',
  );
  const scenario: Scenario = {
    id: 'netfs-1',
    spec: 'NetfsExtract',
    config: 'NetfsExtract',
    actions: [
      { name: 'Init' },
      { name: 'Open', iter: 'UBUF' },
      { name: 'ExtractBvec', len: 8 },
      { name: 'Release', slot: 1 },
    ],
  };

  it('is not applicable, with the reason naming cifs and the missing server/RDMA device', () => {
    const a = applicability(target, scenario, 'linux-6.12');
    expect(a.applicable).toBe(false);
    if (a.applicable) return;
    expect(a.reason).toMatch(/qemu:6\.12: netfs\/cifs extraction .* no SMB server/);
  });

  it('is not applicable for a gaps read either (netfs_read_gaps needs a netfs mount)', () => {
    const gaps: Scenario = {
      ...scenario,
      id: 'netfs-2',
      config: 'NetfsExtract_read_gaps',
      actions: [
        { name: 'Init' },
        { name: 'ReadGaps', from: 1, to: 3 },
        { name: 'Release', slot: 1 },
      ],
    };
    const a = applicability(target, gaps, 'linux-6.12');
    expect(a.applicable).toBe(false);
    if (a.applicable) return;
    expect(a.reason).toMatch(
      /netfs_read_gaps only under a netfs mount .* no SMB server, network filesystem/,
    );
  });

  it('refuses to run it if asked anyway', async () => {
    await expect(target.run(scenario, 'linux-6.12')).rejects.toThrow(
      /cannot realise spec NetfsExtract/,
    );
  });

  it('still gives an unknown spec no support', () => {
    expect(target.supports('NoSuchSpec', { name: 'Init' })).toBe(false);
  });
});

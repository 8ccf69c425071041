import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { createKernel, current_kernel, with_kernel } from '../src/kernel.ts';
import { getProfile, PROFILE_NAMES, PROFILES } from '../src/profile.ts';

const profilesJson = join(dirname(fileURLToPath(import.meta.url)), '../../../specs/profiles.json');

describe('kernel profiles', () => {
  it('the three profiles encode the kernel history of kernel-facts.md', () => {
    expect(PROFILES['linux-6.1'].dio_foll).toBe('FOLL_GET');
    expect(PROFILES['linux-6.1'].bio_cleanup_flag).toBe('BIO_NO_PAGE_REF');
    expect(PROFILES['linux-6.1'].has_extract_api).toBe(false);
    expect(PROFILES['linux-6.1'].iter_types).toContain('ITER_PIPE');
    expect(PROFILES['linux-6.12'].dio_foll).toBe('FOLL_PIN');
    expect(PROFILES['linux-6.12'].bio_cleanup_flag).toBe('BIO_PAGE_PINNED');
    expect(PROFILES['linux-6.12'].iter_types).not.toContain('ITER_PIPE');
    expect(PROFILES['linux-6.12'].zero_page_pinned).toBe(false);
    expect(PROFILES['bvecq-rfc'].has_bvecq).toBe(true);
    expect(PROFILES['bvecq-rfc'].iter_types).not.toContain('ITER_FOLIOQ');
    for (const n of PROFILE_NAMES) expect(PROFILES[n].name).toBe(n);
  });

  it('an unknown profile name is an error listing the known ones', () => {
    expect(() => getProfile('linux-5.10')).toThrow(
      /unknown kernel profile "linux-5.10".*linux-6.1, linux-6.12, bvecq-rfc/,
    );
  });

  it('with_kernel switches the current kernel and restores it, also on throw', () => {
    const outer = current_kernel();
    const k = createKernel('linux-6.1', { faults: ['legacy_foll_get_dio'] });
    with_kernel(k, () => {
      expect(current_kernel()).toBe(k);
      expect(current_kernel().hasFault('legacy_foll_get_dio')).toBe(true);
    });
    expect(() =>
      with_kernel(k, () => {
        throw new Error('boom');
      }),
    ).toThrow('boom');
    expect(current_kernel()).toBe(outer);
    expect(outer.profile.name).toBe('linux-6.12');
  });

  it.skipIf(!existsSync(profilesJson))(
    'names and shared knobs agree with specs/profiles.json',
    () => {
      type Entry = { kernel: string | null; constants: Record<string, Record<string, unknown>> };
      const json = JSON.parse(readFileSync(profilesJson, 'utf8')) as Record<string, Entry>;
      expect(Object.keys(json).sort()).toEqual([...PROFILE_NAMES].sort());
      for (const n of PROFILE_NAMES) {
        const entry = json[n] as Entry;
        const p = PROFILES[n];
        expect(entry.kernel).toBe(p.kernel);
        const fr = entry.constants.ForkRace;
        if (fr !== undefined) expect(fr.DioHold, `${n} ForkRace.DioHold`).toBe(p.dio_foll);
        const sp = entry.constants.SplicePipe;
        if (sp !== undefined) {
          expect(sp.SpliceImpl, `${n} SplicePipe.SpliceImpl`).toBe(
            p.splice_read === 'ITER_PIPE' ? 'ITER_PIPE' : 'COPY',
          );
          expect(sp.LimitToEof, `${n} SplicePipe.LimitToEof`).toBe(p.direct_splice_eof_limit);
          // The bio holds refs on ITER_PIPE pages (6.1 pipe_get_pages: get_page); COPY's BVEC pages none.
          expect(sp.BioPageRef, `${n} SplicePipe.BioPageRef`).toBe(
            p.splice_read === 'ITER_PIPE' ? 'GET' : 'NONE',
          );
        }
        expect('BvecqCursors' in entry.constants, `${n} BvecqCursors`).toBe(p.has_bvecq);
      }
    },
  );
});

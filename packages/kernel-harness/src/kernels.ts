// The Debian kernels the harness knows, where to get each one and which profile it must match.
// Profile names are those of specs/profiles.json (docs/CONTRACTS.md).

export interface KernelSource {
  /** Short name used on the command line and in target names: qemu:<name>. */
  name: string;
  /** The profile the kernel is expected to conform to. */
  profile: string;
  /** Debian archive and suite whose linux-image-amd64 metapackage selects the image. */
  mirror: string;
  suite: string;
  /** Keyring apt verifies the suite's Release file with (shipped by debian-archive-keyring). */
  keyring: string;
  /** Upstream version prefix the resolved image must carry (guards against a moved suite). */
  versionPrefix: string;
}

const DEBIAN_KEYRING = '/usr/share/keyrings/debian-archive-keyring.gpg';

export const KERNELS: Record<string, KernelSource> = {
  '6.1': {
    name: '6.1',
    profile: 'linux-6.1',
    mirror: 'http://deb.debian.org/debian-security',
    suite: 'bookworm-security',
    keyring: DEBIAN_KEYRING,
    versionPrefix: '6.1.',
  },
  '6.12': {
    name: '6.12',
    profile: 'linux-6.12',
    mirror: 'http://deb.debian.org/debian',
    suite: 'trixie',
    keyring: DEBIAN_KEYRING,
    versionPrefix: '6.12.',
  },
};

export function kernelSource(name: string): KernelSource {
  const k = KERNELS[name];
  if (k === undefined) {
    throw new Error(
      `unknown kernel "${name}": known kernels are ${Object.keys(KERNELS).join(', ')}`,
    );
  }
  return k;
}

/**
 * The profile a kernel conforms to, from its release string (uname -r, e.g. "6.1.0-56-amd64" or
 * "6.13.0-rc1+"). Block O_DIRECT moved from FOLL_GET to FOLL_PIN in 6.5 and ITER_PIPE went away
 * in 6.5 too (kernel-facts.md), so 6.5 is where the profile changes.
 */
export function profileForRelease(release: string): string {
  const m = /^(\d+)\.(\d+)/.exec(release);
  if (m === null) throw new Error(`cannot read a kernel version from "${release}"`);
  const major = Number(m[1]);
  const minor = Number(m[2]);
  return major > 6 || (major === 6 && minor >= 5) ? 'linux-6.12' : 'linux-6.1';
}

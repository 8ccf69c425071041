// A cpio "newc" archive writer (the format the kernel unpacks as initramfs:
// init/initramfs.c, Documentation/driver-api/early-userspace/buffer-format.rst).
// Written here rather than by shelling out to cpio so the archive is byte-for-byte
// deterministic: fixed mtimes, inode numbers by position, entries in the order given.

export type CpioEntry =
  | { kind: 'dir'; path: string; mode?: number }
  | { kind: 'file'; path: string; data: Uint8Array; mode?: number }
  | { kind: 'symlink'; path: string; target: string }
  | { kind: 'chardev'; path: string; major: number; minor: number; mode?: number };

const S_IFDIR = 0o040000;
const S_IFREG = 0o100000;
const S_IFLNK = 0o120000;
const S_IFCHR = 0o020000;

function hex8(n: number): string {
  return n.toString(16).padStart(8, '0');
}

function pad4(len: number): number {
  return (4 - (len % 4)) % 4;
}

function header(fields: {
  ino: number;
  mode: number;
  nlink: number;
  filesize: number;
  rdevmajor: number;
  rdevminor: number;
  namesize: number;
}): string {
  return [
    '070701',
    hex8(fields.ino),
    hex8(fields.mode),
    hex8(0), // uid
    hex8(0), // gid
    hex8(fields.nlink),
    hex8(0), // mtime: fixed for determinism
    hex8(fields.filesize),
    hex8(0), // devmajor
    hex8(0), // devminor
    hex8(fields.rdevmajor),
    hex8(fields.rdevminor),
    hex8(fields.namesize),
    hex8(0), // check
  ].join('');
}

export function cpioNewc(entries: CpioEntry[]): Buffer {
  const parts: Buffer[] = [];
  const seen = new Set<string>();
  let ino = 1;
  const push = (
    name: string,
    mode: number,
    data: Uint8Array,
    rdev: [number, number],
    nlink: number,
  ) => {
    const nameBytes = Buffer.from(`${name}\0`, 'utf8');
    const h = Buffer.from(
      header({
        ino: ino++,
        mode,
        nlink,
        filesize: data.length,
        rdevmajor: rdev[0],
        rdevminor: rdev[1],
        namesize: nameBytes.length,
      }),
      'latin1',
    );
    parts.push(h, nameBytes, Buffer.alloc(pad4(h.length + nameBytes.length)));
    parts.push(Buffer.from(data), Buffer.alloc(pad4(data.length)));
  };
  for (const e of entries) {
    const path = e.path.replace(/^\/+/, '');
    if (path === '' || path.split('/').includes('..'))
      throw new Error(`cpio: bad path "${e.path}"`);
    if (seen.has(path)) throw new Error(`cpio: duplicate path "${path}"`);
    seen.add(path);
    switch (e.kind) {
      case 'dir':
        push(path, S_IFDIR | (e.mode ?? 0o755), new Uint8Array(0), [0, 0], 2);
        break;
      case 'file':
        push(path, S_IFREG | (e.mode ?? 0o644), e.data, [0, 0], 1);
        break;
      case 'symlink':
        push(path, S_IFLNK | 0o777, Buffer.from(e.target, 'utf8'), [0, 0], 1);
        break;
      case 'chardev':
        push(path, S_IFCHR | (e.mode ?? 0o600), new Uint8Array(0), [e.major, e.minor], 1);
        break;
    }
  }
  push('TRAILER!!!', 0, new Uint8Array(0), [0, 0], 1);
  return Buffer.concat(parts);
}

/** Parses a newc archive back (used by tests and `pinlab kernel list --verbose`). */
export function readCpioNewc(
  buf: Buffer,
): { path: string; mode: number; data: Buffer; rdev: [number, number] }[] {
  const out: { path: string; mode: number; data: Buffer; rdev: [number, number] }[] = [];
  let off = 0;
  for (;;) {
    if (buf.toString('latin1', off, off + 6) !== '070701')
      throw new Error(`cpio: bad magic at ${off}`);
    const field = (i: number) =>
      Number.parseInt(buf.toString('latin1', off + 6 + i * 8, off + 14 + i * 8), 16);
    const mode = field(1);
    const filesize = field(6);
    const rdev: [number, number] = [field(9), field(10)];
    const namesize = field(11);
    const nameStart = off + 110;
    const name = buf.toString('utf8', nameStart, nameStart + namesize - 1);
    const dataStart = nameStart + namesize + pad4(110 + namesize);
    if (name === 'TRAILER!!!') return out;
    out.push({ path: name, mode, data: buf.subarray(dataStart, dataStart + filesize), rdev });
    off = dataStart + filesize + pad4(filesize);
  }
}

// The uncompressed kernel inside a bzImage. QEMU boots an ELF vmlinux through its PVH entry
// point (CONFIG_PVH=y on Debian's 6.1 and 6.12), which skips the BIOS/real-mode path and the
// in-guest decompression: under TCG that decompression alone costs seconds.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { writeFileAtomic } from '@pinlab/tla';
import { MissingToolError } from './apt.ts';

/** Locates the compressed payload (boot protocol 2.08+: payload_offset/payload_length). */
export function bzImagePayload(image: Buffer): { format: 'xz' | 'zstd' | 'gzip'; data: Buffer } {
  if (image.length < 0x250 || image.toString('latin1', 0x202, 0x206) !== 'HdrS')
    throw new Error('not a bzImage (no HdrS header)');
  const setupSects = image[0x1f1] || 4;
  const pmStart = (setupSects + 1) * 512;
  const payloadOffset = image.readUInt32LE(0x248);
  const payloadLength = image.readUInt32LE(0x24c);
  const data = image.subarray(pmStart + payloadOffset, pmStart + payloadOffset + payloadLength);
  if (data.subarray(0, 6).equals(Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00])))
    return { format: 'xz', data };
  if (data.subarray(0, 4).equals(Buffer.from([0x28, 0xb5, 0x2f, 0xfd])))
    return { format: 'zstd', data };
  if (data[0] === 0x1f && data[1] === 0x8b) return { format: 'gzip', data };
  throw new Error(
    `unknown bzImage payload compression (magic ${data.subarray(0, 4).toString('hex')})`,
  );
}

function decompress(tool: string, input: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    // The payload ends with a 4-byte size trailer the decompressors call trailing garbage; the
    // output is complete all the same, so success is judged by the ELF magic below.
    const child = spawn(tool, ['-dc'], { stdio: ['pipe', 'pipe', 'ignore'] });
    const chunks: Buffer[] = [];
    child.stdout.on('data', (d: Buffer) => chunks.push(d));
    child.on('error', (e: NodeJS.ErrnoException) =>
      reject(e.code === 'ENOENT' ? new MissingToolError(tool) : e),
    );
    child.on('close', () => resolve(Buffer.concat(chunks)));
    child.stdin.on('error', () => {});
    child.stdin.end(input);
  });
}

export async function extractVmlinux(bzImage: string, out: string): Promise<string> {
  if (existsSync(out)) return out;
  const { format, data } = bzImagePayload(readFileSync(bzImage));
  const elf = await decompress(format, data);
  if (!elf.subarray(0, 4).equals(Buffer.from([0x7f, 0x45, 0x4c, 0x46])))
    throw new Error(`${bzImage}: decompressed payload is not an ELF vmlinux`);
  writeFileAtomic(out, elf);
  return out;
}

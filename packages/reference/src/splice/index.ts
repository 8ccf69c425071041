// splice: pipes, vmsplice, and file -> pipe splice reads for each kernel generation.
import type { file } from '../block/fs.ts';
import { O_DIRECT } from '../block/fs.ts';
import { current_kernel } from '../kernel.ts';
import type { splice_read_result } from './filemap_splice.ts';
import { copy_splice_read, filemap_splice_read } from './filemap_splice.ts';
import { generic_file_splice_read } from './iter_pipe.ts';
import type { pipe_inode_info } from './pipe.ts';
import { pipe_bytes_since, wait_for_space } from './pipe.ts';

export * from './filemap_splice.ts';
export * from './iter_pipe.ts';
export * from './pipe.ts';
export * from './splice_dio.ts';
export * from './vmsplice.ts';

/**
 * A splice read's result when nothing was allocated to read into and no EOF clip applies: 6.1's
 * generic_file_splice_read over ITER_PIPE (its ret and new position, with the i_size and position
 * it started from and the bytes it added to the pipe), or a splice refused before any read.
 */
export function iter_pipe_splice_result(
  r: { readonly ret: number; readonly ppos: number; readonly full_pipe_failed?: boolean },
  pos: number,
  i_size: number,
  pipe_bytes: number,
): splice_read_result {
  return {
    ret: r.ret,
    ppos: r.ppos,
    pages_allocated: 0,
    i_size,
    pos,
    eof_limited: false,
    pipe_bytes,
    full_pipe_failed: r.full_pipe_failed ?? false,
  };
}

/**
 * vfs_splice_read: 6.1 uses generic_file_splice_read over ITER_PIPE; 6.5+ uses
 * copy_splice_read for O_DIRECT and filemap_splice_read otherwise (fs/splice.c).
 */
export function vfs_splice_read(
  filp: file,
  ppos: number,
  pipe: pipe_inode_info,
  len: number,
): splice_read_result {
  if (current_kernel().profile.splice_read === 'ITER_PIPE') {
    const i_size = filp.f_inode.i_size;
    const head0 = pipe.head;
    const r = generic_file_splice_read(filp, ppos, pipe, len);
    return iter_pipe_splice_result(r, ppos, i_size, pipe_bytes_since(pipe, head0));
  }
  if (filp.f_flags & O_DIRECT) return copy_splice_read(filp, ppos, pipe, len);
  return filemap_splice_read(filp, ppos, pipe, len);
}

/**
 * splice_file_to_pipe (fs/splice.c, 6.1 and 6.12): splice(2) from a file into a pipe, under
 * pipe_lock: wait_for_space first, then the file's splice read (vfs_splice_read; 6.1
 * do_splice_to). A full pipe with SPLICE_F_NONBLOCK fails -EAGAIN before any read: nothing read,
 * allocated or added. Returns the splice read's result, or that -errno with ret -errno and no
 * pipe bytes.
 */
export function splice_file_to_pipe(
  filp: file,
  ppos: number,
  pipe: pipe_inode_info,
  len: number,
  flags: number,
): splice_read_result {
  const ret = wait_for_space(pipe, flags);
  if (ret !== 0) return iter_pipe_splice_result({ ret, ppos }, ppos, filp.f_inode.i_size, 0);
  return vfs_splice_read(filp, ppos, pipe, len);
}

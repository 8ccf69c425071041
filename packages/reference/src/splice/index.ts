// splice: pipes, vmsplice, and file -> pipe splice reads for each kernel generation.
import type { file } from '../block/fs.ts';
import { O_DIRECT } from '../block/fs.ts';
import { current_kernel } from '../kernel.ts';
import type { splice_read_result } from './filemap_splice.ts';
import { copy_splice_read, filemap_splice_read } from './filemap_splice.ts';
import { generic_file_splice_read } from './iter_pipe.ts';
import type { pipe_inode_info } from './pipe.ts';
import { pipe_bytes_since } from './pipe.ts';

export * from './filemap_splice.ts';
export * from './iter_pipe.ts';
export * from './pipe.ts';
export * from './splice_dio.ts';
export * from './vmsplice.ts';

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
    return {
      ret: r.ret,
      ppos: r.ppos,
      pages_allocated: 0,
      i_size,
      pos: ppos,
      eof_limited: false,
      pipe_bytes: pipe_bytes_since(pipe, head0),
    };
  }
  if (filp.f_flags & O_DIRECT) return copy_splice_read(filp, ppos, pipe, len);
  return filemap_splice_read(filp, ppos, pipe, len);
}

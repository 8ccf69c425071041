// A probe, not a generated scenario: the headline fork race (guest agent op fork_race: a 512-byte
// read of the dm-delay device, 500 ms per bio, a fork shortly after the submission, the parent's
// store to another byte of the same page, then the completion) with the device opened WITHOUT
// O_DIRECT (direct: 0), by Linux AIO and io_uring. Kernel (Debian 6.1.192 and 6.12): the kiocb
// has no IOCB_DIRECT (fs/open.c f_iocb_flags = iocb_flags(f)), block/fops.c blkdev_read_iter
// goes to filemap_read, which copies page-cache folios into the user buffer: no bio on the user
// pages, no pin, no reference. AIO (fs/aio.c aio_read -> aio_rw_done) does it inside io_submit,
// so the read is done before the fork and both processes see the data. io_uring retries a read
// whose folio is still being read with IOCB_WAITQ (io_uring/rw.c io_rw_should_retry) and redoes
// it, copy included, from task_work in the submitting task (or an io-wq worker of its mm), so a
// read queued across the fork is copied into the parent's page (its store COW-faulted it a page
// of its own) and the child keeps the bytes from before. Either way the parent loses nothing.
// ForkRace models both (BufferedRead: ForkRace_buffered_read; BufferedUring:
// ForkRace_buffered_uring, whose scenarios the guest script cannot realise: its suspended dm gate
// fails the folio's readahead bio): the probe records what the model predicts, including
// (unmap 1) the -EFAULT of an io_uring read whose buffer the parent unmapped while it waited. Runs only with PINLAB_KERNELS (e.g. `flock /tmp/pinlab-qemu.lock env
// PINLAB_KERNELS=6.1,6.12 npx vitest run --project kernel-harness forkrace-buffered-read-kernel`).
import { expect, it } from 'vitest';
import { describeRealKernels } from './real-kernels.ts';

const RUNS = 6;

describeRealKernels(
  'async buffered read vs fork (no O_DIRECT): nothing pinned, nothing lost',
  (k) => {
    for (const engine of ['aio', 'uring'] as const) {
      it(`${engine}: the parent keeps the data; AIO completes inside io_submit`, async () => {
        const rows: Record<string, unknown>[] = [];
        for (let n = 0; n < RUNS; n++) {
          // A different 512-byte block each run (the agent drops the device's cache first).
          const params = {
            engine,
            writer: 'parent',
            size: 512,
            diskOffset: 4096 * 3 * n,
            direct: 0,
          };
          rows.push(await k.session.request('fork_race', params, 30));
        }
        const raced = rows.filter((r) => r.inFlightAtFork === true).length;
        console.info(
          `qemu:${k.name} ${engine} buffered: ${RUNS} runs, ${raced} in flight at fork, child saw the data in ${rows.filter((r) => r.childSeesData === true).length}`,
        );
        if (engine === 'aio') expect(raced, 'AIO buffered reads complete inside io_submit').toBe(0);
        for (const r of rows) {
          expect(r.parentSeesData, 'the parent lost a buffered read').toBe(true);
          // Done before the fork: the child's copy of the page has the data; queued across it: the
          // copy went to the parent's own page only.
          expect(r.childSeesData).toBe(r.inFlightAtFork !== true);
          expect(r.res).toBe(512);
          expect(r.direct).toBe(false);
        }
      }, 120_000);
    }
    it('uring: a buffered read whose buffer the parent unmapped while it waited completes -EFAULT', async () => {
      // ForkRace_buffered_uring's Munmap before IoComplete (BufReadComplete, err EFAULT): the
      // task_work retry's copy_to_user finds no vma, filemap_read returns -EFAULT ("already_read
      // ? already_read : error"), and the CQE carries it; the child keeps the bytes from before.
      const rows: Record<string, unknown>[] = [];
      for (let n = 0; n < RUNS; n++) {
        const params = {
          engine: 'uring',
          writer: 'none',
          size: 512,
          diskOffset: 4096 * 3 * n + 4096 * 3 * RUNS,
          direct: 0,
          unmap: 1,
        };
        rows.push(await k.session.request('fork_race', params, 30));
      }
      const raced = rows.filter((r) => r.inFlightAtFork === true);
      console.info(
        `qemu:${k.name} uring buffered + munmap: ${RUNS} runs, ${raced.length} in flight at fork, res ${rows.map((r) => r.res).join(',')}`,
      );
      expect(raced.length, 'no run raced the fork').toBeGreaterThan(0);
      for (const r of rows) {
        expect(r.unmapped).toBe(true);
        // Queued across the fork and the munmap: -EFAULT (-14), no copy anywhere; done before:
        // the 512 bytes, which the child's copy of the page holds.
        expect(r.res).toBe(r.inFlightAtFork === true ? -14 : 512);
        expect(r.childSeesData).toBe(r.inFlightAtFork !== true);
      }
    }, 120_000);
  },
);

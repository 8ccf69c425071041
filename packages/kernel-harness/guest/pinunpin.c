// PinUnpin scenarios in the guest (included by agent.c; see src/specs/pinunpin.ts).
// Returns 1 when `op` is not a PinUnpin op, so run_op tries the next spec.
//
// op "pinunpin_script": realises a PinUnpin scenario (specs/PinUnpin.tla) step by step in one
// worker and reports, after every step, what user space can see of the model's state:
//   st1, st2    each bio: IDLE (never submitted), INFLIGHT (submitted, no completion event),
//               DONE (completed with res >= 0), FAILED (io_submit or the completion failed)
//   acq, rel    /proc/vmstat nr_foll_pin_acquired / nr_foll_pin_released since the start
//               (after stat_refresh; the host runs these scenarios alone: global counters)
//   zero        user page 3 still maps the shared zero page (its PFN in /proc/self/pagemap is
//               the PFN a read-faulted reference page maps)
//   cached      the pages X0, X1 of a 2-page tmpfs file present in its page cache (mincore)
// and, once at the end, "res": each bio's completion result (bytes, or -errno), whenever it
// came: at its Complete step or at the teardown that opens every gate. For block DIO the
// completion reports dio->size = bio->bi_iter.bi_size, fixed at submission (block/fops.c
// __blkdev_direct_IO_async, blkdev_bio_end_io_async), so the host can state a bio's bytes
// from the step it went in flight.
//
// Layout: the reference adapter's (packages/testgen/src/adapters/pin-unpin.ts), 1024 real bytes
// per model byte, so model pages are real pages and every length is 512-byte aligned:
//   U0..U3  four anonymous pages; 0..2 written, 3 only read (do_anonymous_page maps the zero
//           page, mm/memory.c)
//   UBUF    read/write of 6144 bytes at user address +1024 (user pages 0-1)
//   IOVEC   preadv/pwritev <<(+9216,0),(+9216,2048),(+12288,0),(+12288,4096)>>
//   bio b   Linux AIO (IOCB_CMD_PREAD/PWRITE/PREADV/PWRITEV) on gate b, a dm-linear device
//           suspended at the bio's first Submit: the bio is built (pages got on 6.1 by
//           bio_iov_iter_get_pages -> iov_iter_get_pages2, pinned on 6.12 by
//           iov_iter_extract_pages -> pin_user_pages_fast) inside io_submit, then queued by
//           dm_submit_bio until Complete(b) resumes the gate.
//   SubmitFault(b, t)  the same read into an address with no vma: GUP fails (-EFAULT), no bio.
//   SubmitPartial(b)   a read of 6144 bytes at user address +13 KiB: user page 3 from offset
//                      1 KiB, then user page 4, unmapped at set-up. GUP takes page 3 only
//                      (mm/gup.c: the count taken when any was; the FOLL_WRITE fault breaks the
//                      zero page), the next extraction fails with -EFAULT, which
//                      bio_iov_iter_get_pages drops as the bio has pages (block/bio.c), so the
//                      request goes in flight short: 3072 bytes (dio->size = bi_size).
//   PunchHole(x)       fallocate(FALLOC_FL_PUNCH_HOLE) of page x of the tmpfs file
//                      (shmem_fallocate -> shmem_truncate_range drops it from the page cache).
//   SubmitSync(b,t,d)  the same request as a synchronous preadv/pwritev on loop0 opened
//                      O_DIRECT (no gate: block/fops.c blkdev_direct_IO ->
//                      __blkdev_direct_IO_simple waits with submit_bio_wait and releases the
//                      pages with bio_release_pages before returning).
//   CompleteError(b)   gate b's table is replaced by a dm-linear mapping onto this slot's
//                      "error" device while the bio waits, then the gate resumes: dm_resume ->
//                      dm_queue_flush resubmits the held bio to the new table, the error target
//                      (drivers/md/dm-target.c io_err_map: DM_MAPIO_KILL) ends it with
//                      BLK_STS_IOERR, so the request completes with -EIO
//                      (blkdev_bio_end_io_async: blk_status_to_errno) and bio_release_pages
//                      releases its pages as on success. Since the -EIO replaces dio->size, the
//                      bio's size is read from the gate's own I/O accounting instead
//                      (/sys/dev/block/M:m/stat sectors, dm.c dm_io_acct: the gate remapped it,
//                      so it accounted it): "sect", per bio, at the end.
// File mapping (request field "file" = 1, the spec's FilePrivate): user page 5 is a one-page
// tmpfs file filled with 'F' (0x46, the reference adapter's FILE_PATTERN) mapped MAP_PRIVATE
// and read once, so its PTE maps the page-cache page read-only (mm/memory.c do_read_fault).
//   Submit/SubmitSync(b, FILEMAP, d)  the whole page (4096 bytes at offset 0) as one buffer; a
//                      DEST reads a page of 0xD5 (DMA_PATTERN) the set-up writes at
//                      pu_dma_region(b), a SOURCE writes to the bio's usual write region.
//   StoreFile          the process stores 'S' (0x53) over model byte 2 (bytes 2048..3071):
//                      do_wp_page -> wp_page_copy.
// Untouched file mapping (request field "file" = 2, the spec's FileLazy): the same, except that
// the process never reads user page 5 after mmap, so it has no PTE (p5 NONE) while the tmpfs
// page is in the page cache; the first access faults it in (mm/memory.c do_fault): a write's
// R/O GUP read-faults (do_read_fault maps the page-cache page), a read's FOLL_WRITE GUP or
// StoreFile write-faults (do_cow_fault maps a private copy).
// File mapping past its file's end (request field "file" = 3, the spec's FileEof): as file = 1,
// but user pages 5 and 6 are one MAP_PRIVATE mapping two pages long over the one-page file, so
// user page 6 lies wholly past i_size and no fault can map it (mm/filemap.c filemap_fault /
// tmpfs shmem_fault: VM_FAULT_SIGBUS; GUP's faultin_page -> vm_fault_to_errno: -EFAULT).
//   SubmitPastEof(b, dir, from)  an AIO O_DIRECT request over the mapping: from=EOF, user page 6
//                      alone (4 KiB): GUP fails at once, __bio_iov_iter_get_pages returns
//                      -EFAULT, bio_iov_iter_get_pages too (no page in the bio), and
//                      __blkdev_direct_IO_async returns it, which aio_rw_done posts as the
//                      completion inside io_submit: no bio (FAILED); another answer is an error.
//                      from=IN, user pages 5 and 6 (8 KiB from user page 5) through gate b as
//                      Submit FILEMAP: GUP takes user page 5 and returns 1 (gup_fast_fallback
//                      keeps what it pinned), the next extraction's -EFAULT is dropped (the bio
//                      has a page) and the bio is queued short: the completion says 4096.
// Device end (the spec's DeviceEnd; gate b maps DISK_BYTES):
//   ReadCrossEnd(b)    Submit's UBUF read placed 3072 bytes (3 model bytes) before gate b's end:
//                      blkdev_read_iter cuts it to the 3072 bytes that fit (iov_iter_truncate),
//                      so it goes in flight with user page 0 only (dio->size 3072).
//   ReadCrossEndOdd(b) ReadCrossEnd's read 100 bytes longer (6244 bytes, off the logical block):
//                      cut to 3072 bytes before blkdev_direct_IO's alignment check, it goes as
//                      ReadCrossEnd's (the spec's DeviceEndOdd).
//   WriteAtEnd(b)      Submit's UBUF write at gate b's end: blkdev_write_iter's -ENOSPC comes
//                      back as the completion inside io_submit; no bio (FAILED).
// Misaligned requests (the spec's MisalignedIo):
//   SubmitMisaligned(b, UBUF|IOVEC, d)  Submit's AIO request on loop0 over the UBUF buffer one
//                      byte further, or 3 KiB at user address 9 KiB as iovecs of 1948 and 1124
//                      bytes: blkdev_direct_IO's -EINVAL (bdev_iter_is_aligned) comes back as the
//                      completion inside io_submit; no bio (FAILED); another answer is an error.
// A 4 KiB-block device (the spec's LargeBlock):
//   SubmitShortBlock(b) an AIO O_DIRECT read of one 4 KiB block at offset 0 of this worker slot's
//                      own loop device (loop<8 + slot>, over a 64 KiB tmpfs file, made with
//                      LOOP_CTL_ADD and given 4 KiB logical blocks with LOOP_SET_BLOCK_SIZE on
//                      first use, kept for the slot) into user address +13 KiB: user page 3
//                      from 1 KiB, then user page 4 (unmapped). The checks pass (whole blocks,
//                      the address on the 511 DMA alignment); GUP takes page 3 only (3 KiB),
//                      __bio_iov_iter_get_pages trims that to nothing against the 4 KiB block
//                      and releases the page, so the request fails -EFAULT, which comes back as
//                      the completion inside io_submit (FAILED); another answer is an error.
//   SubmitMisalignedAddr(b, d)  (MisalignedAddr) the same AIO request on loop0 as two iovecs whose
//                      lengths are on the block (1024 bytes at user address 9 KiB, 2048 one byte
//                      past 12 KiB): iov_iter_aligned_iovec's address check refuses the second,
//                      -EINVAL as the completion inside io_submit (FAILED); another answer is an
//                      error.
// Contiguous iovecs (the spec's ContiguousIovec):
//   SubmitContiguous(b, d)  Submit's AIO request through gate b as two iovecs of 1024 bytes at
//                      user addresses 9 KiB and 10 KiB (user page 2, the second starting where
//                      the first ends): the bio merges them into one bvec and drops the second
//                      hold on the page at once (6.12: pin counters +2/+1); queued with 2 KiB.
// Synchronous short read (the spec's SyncPartial):
//   SubmitSyncPartial(b)  SubmitPartial's buffer (6144 bytes at user address +13 KiB: user page 3
//                      from 1 KiB, then user page 4, unmapped) as a preadv on loop0 opened
//                      O_DIRECT at (b-1) * 64 KiB: the direct read gets 3072 bytes into user page
//                      3 (pinned and released inside the call on 6.12), blkdev_read_iter's
//                      filemap_read faults at once on user page 4 and the call returns 3072
//                      (DONE); another answer is an error.
// Secret page in the synchronous short read's buffer (the spec's SecretRest):
//   SubmitSyncSecret(b)  10240 bytes at user address +13 KiB as a preadv on loop0 opened O_DIRECT
//                      at (b-1) * 64 KiB: user page 3 from 1 KiB, user page 4 a page of
//                      memfd_secret(2) memory (memfd_secret, ftruncate, mmap MAP_SHARED |
//                      MAP_FIXED_NOREPLACE over the unmapped user page 4, not touched), user
//                      page 5 with no vma (checked with mincore). GUP refuses the secret page
//                      (mm/gup.c check_vma_flags: vma_is_secretmem), so the direct read gets 3072
//                      bytes; blkdev_read_iter's filemap_read copies the next 4096 bytes into
//                      the secret page through the user mapping and faults at user page 5: the
//                      call returns 7168 (DONE), and the secret page must hold loop0's bytes
//                      3 KiB to 7 KiB into the range (pread of the backing file); another answer
//                      is an error. The bio's bytes reported are the direct 3072 (7168 less the
//                      page copied). 6.1 needs secretmem.enable=1 on the command line (src/vm.ts).
// Many iovecs (the spec's ManyIovecs):
//   SubmitMany(b, d, f)  Submit's AIO request (IOCB_CMD_PREADV / PWRITEV) as 257 iovecs of 1024
//                      bytes in user page 2, alternately at user addresses 9 KiB and 11 KiB (no
//                      iovec continues the one before): more than BIO_MAX_VECS pages, so
//                      block/fops.c __blkdev_direct_IO builds two bios (256 bvecs, then 1), user
//                      page 2 held once per bvec (6.12: nr_foll_pin_acquired +257), at the bio's
//                      own area of the disk (reads from (b-1) * 64 KiB, writes from the middle:
//                      the usual write region is too near the end for 257 KiB); f=LAST (writes):
//                      the last iovec is the unmapped address, the second bio fails at
//                      submission and the request, queued with the first, completes -EIO; f=FIRST:
//                      the first iovec is, and the request completes -EIO inside io_submit
//                      (FAILED, no gate needed: no bio is built); another answer is an error.
// and observes after every step:
//   p5        FILE while user page 5's PFN (/proc/self/pagemap) is the page-cache page's (the
//             PFN of a MAP_SHARED mapping of the same file page), NONE while it has no PFN
//             (file = 2 only), else COPY
//   u5, f0    the byte at offset 2048 of user page 5 / of the file (pread), by pattern name;
//             with no PFN at user page 5, u5 is the file's byte (what a read there would fault
//             in), taken without touching the page
//   wrote     per FILEMAP write completed without error, "<b>=<name>" of the byte its device
//             region holds at offset 2048 (pread of loop0's backing file: no GUP, no pin)

#define PU_UNIT 1024
#define PU_BYTES (6 * PU_UNIT)
#define PU_USER_PAGES 4
#define PU_MANY_IOVS 257  // SubmitMany: BIO_MAX_VECS + 1 iovecs

// FilePrivate's byte patterns (the reference adapter's FILE_PATTERN, STORE_PATTERN,
// DMA_PATTERN) and where u5, f0 and wrote read: model byte 2 of the page.
#define PU_FILE_BYTE 0x46
#define PU_STORE_BYTE 0x53
#define PU_DMA_BYTE 0xD5
#define PU_STORE_AT (2 * PU_UNIT)

struct pu_state {
  unsigned char *user;  // U0..U3, then user page 4 unmapped (SubmitPartial runs into it)
  void *unmapped;       // SubmitFault's buffer: an address whose vma was unmapped
  aio_context_t ctx;
  int fd[3];
  char gate[3][64];
  int submitted[3], failed[3], done[3];
  long long res[3];
  struct iovec iov[3][PU_MANY_IOVS];  // each bio's own iovec array (AIO reads it at io_submit)
  int file_fd;
  unsigned char *file_map;  // X0, X1
  unsigned long long zero_pfn;
  struct pins base;
  int held[3];       // bio b was still in flight when its Submit step ended (a later error is DONE)
  int filemap[3];    // bio b is a FILEMAP request; is_write[b]: a SOURCE one
  int is_write[3];
  int error_gate[3]; // gate b was switched onto the error device (CompleteError)
  long long end_at[3];  // ReadCrossEnd/WriteAtEnd: the device offset of bio b (0: its usual region)
  long long sect0[3], sect[3];  // gate b's accounted sectors when readied / at completion (-1: none)
  int sync_fd;       // loop0, O_RDWR | O_DIRECT: SubmitSync, the DMA regions' fill
  int disk_fd;       // loop0's backing tmpfs file, read (buffered) for `wrote`
  unsigned char *io_buf;  // one page for O_DIRECT transfers
  int file;          // FilePrivate: user page 5 maps a private file mapping
  int file_lazy;     // FileLazy: the process never touched it after mmap (no PTE at first)
  int file_eof;      // FileEof: the mapping is two pages long over the one-page file
  int secret;        // SecretRest: user page 5 is unmapped too (SubmitSyncSecret's buffer)
  int f_fd;
  unsigned char *f_priv;    // user page 5 (MAP_PRIVATE)
  unsigned char *f_shared;  // the same file page, MAP_SHARED: the page-cache page's PFN
};

// Where FILEMAP DEST request b reads (a page of PU_DMA_BYTE) and where every SOURCE request b
// writes: the last 192 KiB of the disk, which no other experiment reads back.
static long long pu_dma_region(int b) { return (long long)DISK_BYTES - 3 * 65536 + (long long)(b - 1) * PAGE; }
static long long pu_write_region(int b) { return (long long)DISK_BYTES - (long long)b * 65536; }

static const char *pu_byte_name(unsigned char c, char *buf, size_t len) {
  if (c == PU_FILE_BYTE) return "FILE";
  if (c == PU_STORE_BYTE) return "STORE";
  if (c == PU_DMA_BYTE) return "DMA";
  snprintf(buf, len, "0x%x", c);
  return buf;
}

static int pu_gate_ready(struct pu_state *s, int b, char *err, size_t errlen);

// The PFN user address `addr` maps (bits 0-54 of its /proc/self/pagemap entry; readable as
// root, fs/proc/task_mmu.c pagemap_pte_to_pme), 0 when not present.
static unsigned long long pu_pfn(const void *addr) {
  int fd = open("/proc/self/pagemap", O_RDONLY);
  if (fd < 0) return 0;
  uint64_t e = 0;
  off_t at = (off_t)((uintptr_t)addr / PAGE * sizeof e);
  ssize_t n = pread(fd, &e, sizeof e, at);
  close(fd);
  if (n != (ssize_t)sizeof e || !(e & (1ULL << 63))) return 0;
  return e & ((1ULL << 55) - 1);
}

static int pu_gate_suspend(const char *name) {
  int ctl = open("/dev/mapper/control", O_RDWR);
  if (ctl < 0) return -1;
  struct dm_ioctl io;
  dm_ioctl_init(&io, sizeof io, name);
  io.flags = DM_SUSPEND_FLAG;
  int rc = ioctl(ctl, DM_DEV_SUSPEND, &io);
  close(ctl);
  return rc;
}

// Records completion events (any bio's) until bio `b` has completed or `wait_ms` passed.
static void pu_reap(struct pu_state *s, int b, int wait_ms) {
  long long deadline = now_us() + (long long)wait_ms * 1000;
  while (b == 0 || !s->done[b]) {
    struct io_event ev;
    long long left = deadline - now_us();
    if (left < 0) left = 0;
    struct timespec ts = {(time_t)(left / 1000000), (long)(left % 1000000) * 1000};
    long n = sys_io_getevents(s->ctx, b == 0 ? 0 : 1, 1, &ev, &ts);
    if (n < 0 && errno == EINTR) continue;
    if (n != 1) return;
    int which = (int)ev.data;
    if (which < 1 || which > 2) continue;
    s->done[which] = 1;
    s->res[which] = (long long)ev.res;
  }
}

static const char *pu_st(const struct pu_state *s, int b) {
  if (s->failed[b]) return "FAILED";
  if (!s->submitted[b]) return "IDLE";
  if (!s->done[b]) return "INFLIGHT";
  // A request that went in flight and later completed with an error (CompleteError: -EIO) is
  // DONE with that error; one whose error came within its Submit step never went in flight.
  return s->res[b] >= 0 || s->held[b] ? "DONE" : "FAILED";
}

// Sectors read + written that gate b's dm device accounted (/sys/dev/block/M:m/stat fields 3
// and 7), -1 when unreadable.
static long long pu_gate_sectors(const struct pu_state *s, int b) {
  char devpath[96], path[96], line[256];
  snprintf(devpath, sizeof devpath, "/tmp/%s", s->gate[b]);
  struct stat st;
  if (!s->gate[b][0] || stat(devpath, &st) < 0) return -1;
  snprintf(path, sizeof path, "/sys/dev/block/%u:%u/stat", major(st.st_rdev), minor(st.st_rdev));
  int fd = open(path, O_RDONLY);
  if (fd < 0) return -1;
  ssize_t n = read(fd, line, sizeof line - 1);
  close(fd);
  if (n <= 0) return -1;
  line[n] = 0;
  long long f[8];
  if (sscanf(line, "%lld %lld %lld %lld %lld %lld %lld %lld", &f[0], &f[1], &f[2], &f[3], &f[4], &f[5], &f[6], &f[7]) != 8) return -1;
  return f[2] + f[6];
}

// The FilePrivate observations: p5, u5, f0 and wrote (see the top of this file).
static void pu_observe_file(struct pu_state *s, struct out *o) {
  char b1[8], b2[8], b3[8];
  volatile unsigned char touch = s->f_shared[0];  // keep the shared view faulted in
  (void)touch;
  unsigned long long p5 = pu_pfn(s->f_priv), f0 = pu_pfn(s->f_shared);
  const char *p5name = p5 == 0 ? (s->file_lazy ? "NONE" : "UNMAPPED") : p5 == f0 ? "FILE" : "COPY";
  unsigned char fb = 0;
  const char *f0name = pread(s->f_fd, &fb, 1, PU_STORE_AT) == 1 ? pu_byte_name(fb, b2, sizeof b2) : "UNREADABLE";
  // No PFN: reading user page 5 would fault it in (do_read_fault), so the file's byte stands
  // for what that read gives.
  const char *u5name = p5 == 0 ? f0name : pu_byte_name(s->f_priv[PU_STORE_AT], b1, sizeof b1);
  outf(o, ",\"p5\":\"%s\",\"u5\":\"%s\",\"f0\":\"%s\",\"wrote\":\"", p5name, u5name, f0name);
  int first = 1;
  for (int b = 1; b <= 2; b++) {
    if (!s->filemap[b] || !s->is_write[b] || !s->done[b] || s->res[b] < 0) continue;
    // From loop0's backing file with a plain pread (copy_to_user): an O_DIRECT read of the
    // device would pin its buffer on 6.12 and show in the next step's pin counters.
    const char *name = "UNREADABLE";
    unsigned char c;
    if (pread(s->disk_fd, &c, 1, pu_write_region(b) + PU_STORE_AT) == 1) name = pu_byte_name(c, b3, sizeof b3);
    outf(o, "%s%d=%s", first ? "" : ",", b, name);
    first = 0;
  }
  outf(o, "\"");
}

// The counters after the kernel is done with the step. Submissions pin inside io_submit, but a
// completion event is posted before the bio's pages are released (blkdev_bio_end_io_async calls
// ki_complete, then bio_release_pages), so after a completion read until two reads 1 ms apart
// agree.
static void pu_read_pins(struct pins *p, int settle) {
  struct pins q;
  read_pins(p);
  for (int i = 0; settle && i < 20; i++) {
    sleep_ms(1);
    read_pins(&q);
    if (q.acquired == p->acquired && q.released == p->released) return;
    *p = q;
  }
}

static void pu_observe(struct pu_state *s, struct out *o, int first, int settle) {
  int done_before = s->done[1] + s->done[2];
  pu_reap(s, 0, 0);  // a completion that came by itself shows as DONE, not hidden
  struct pins now;
  pu_read_pins(&now, settle || s->done[1] + s->done[2] != done_before);
  unsigned char vec[2] = {0, 0};
  char cached[48] = "";
  if (mincore(s->file_map, 2 * PAGE, vec) < 0) snprintf(cached, sizeof cached, "mincore failed: %s", strerror(errno));  // shows as a mismatch
  if (vec[0] & 1) strcat(cached, "X0");
  if (vec[1] & 1) strcat(cached, cached[0] ? ",X1" : "X1");
  outf(o, "%s{\"st1\":\"%s\",\"st2\":\"%s\",\"acq\":%lld,\"rel\":%lld,\"zero\":%s,\"cached\":\"%s\"", first ? "" : ",",
       pu_st(s, 1), pu_st(s, 2), now.acquired - s->base.acquired, now.released - s->base.released,
       pu_pfn(s->user + 3 * PAGE) == s->zero_pfn ? "true" : "false", cached);
  if (s->file) pu_observe_file(s, o);
  outf(o, "}");
}

static int pu_param(const char *step, const char *key, char *out, size_t outlen) {
  char pat[32];
  snprintf(pat, sizeof pat, ":%s=", key);
  const char *p = strstr(step, pat);
  if (!p) return -1;
  p += strlen(pat);
  size_t k = 0;
  while (*p && *p != ':' && k < outlen - 1) out[k++] = *p++;
  out[k] = 0;
  return 0;
}

// The spec's iterator as the iovec array AIO gets (IOVEC) or as one buffer (UBUF).
static int pu_iovec(struct pu_state *s, int b, const char *iter, unsigned char *base) {
  struct iovec *v = s->iov[b];
  if (strcmp(iter, "FILEMAP") == 0) {
    v[0] = (struct iovec){base, PAGE};  // user page 5, the whole page
    return 1;
  }
  if (strcmp(iter, "EOF_IN") == 0) {  // SubmitPastEof from IN: user pages 5 and 6
    v[0] = (struct iovec){base, 2 * PAGE};
    return 1;
  }
  if (strcmp(iter, "EOF_EOF") == 0) {  // SubmitPastEof from EOF: user page 6 alone
    v[0] = (struct iovec){base + PAGE, PAGE};
    return 1;
  }
  if (strcmp(iter, "PARTIAL") == 0) {
    v[0] = (struct iovec){base + 13 * PU_UNIT, PU_BYTES};  // user page 3 at +1 KiB, then page 4
    return 1;
  }
  if (strcmp(iter, "SECRET") == 0) {  // user page 3 at +1 KiB, the secret page 4, then page 5
    v[0] = (struct iovec){base + 13 * PU_UNIT, 10 * PU_UNIT};
    return 1;
  }
  if (strcmp(iter, "UBUF") == 0) {
    v[0] = (struct iovec){base + 1 * PU_UNIT, PU_BYTES};
    return 1;
  }
  // SubmitMisaligned: the UBUF buffer one byte further (off the queue's 511 DMA alignment), and
  // 3 KiB from user address 9 KiB as two iovecs of 1948 and 1124 bytes (each off the 512-byte
  // logical block, their sum on it).
  if (strcmp(iter, "ODD_UBUF") == 0) {  // ReadCrossEndOdd: the UBUF buffer 100 bytes longer
    v[0] = (struct iovec){base + 1 * PU_UNIT, PU_BYTES + 100};
    return 1;
  }
  if (strcmp(iter, "MIS_UBUF") == 0) {
    v[0] = (struct iovec){base + 1 * PU_UNIT + 1, PU_BYTES};
    return 1;
  }
  // SubmitMisalignedAddr: iovecs of 1024 and 2048 bytes (both on the 512-byte block), the second
  // one byte past user address 12 KiB (off the 511 DMA alignment).
  if (strcmp(iter, "MIS_ADDR") == 0) {
    v[0] = (struct iovec){base + 9 * PU_UNIT, PU_UNIT};
    v[1] = (struct iovec){base + 12 * PU_UNIT + 1, 2 * PU_UNIT};
    return 2;
  }
  // SubmitContiguous: two iovecs of 1024 bytes at user addresses 9 KiB and 10 KiB (user page 2
  // from 1 KiB), the second starting where the first ends.
  if (strcmp(iter, "CONTIG") == 0) {
    v[0] = (struct iovec){base + 9 * PU_UNIT, PU_UNIT};
    v[1] = (struct iovec){base + 10 * PU_UNIT, PU_UNIT};
    return 2;
  }
  // SubmitMany: 257 iovecs of 1024 bytes in user page 2, alternately at user addresses 9 KiB and
  // 11 KiB; MANY_LAST / MANY_FIRST put the last / first one at the unmapped address.
  if (strncmp(iter, "MANY", 4) == 0) {
    for (int k = 0; k < PU_MANY_IOVS; k++) v[k] = (struct iovec){base + (k % 2 ? 11 : 9) * PU_UNIT, PU_UNIT};
    if (strcmp(iter, "MANY_LAST") == 0) v[PU_MANY_IOVS - 1].iov_base = s->unmapped;
    if (strcmp(iter, "MANY_FIRST") == 0) v[0].iov_base = s->unmapped;
    return PU_MANY_IOVS;
  }
  if (strcmp(iter, "MIS_IOVEC") == 0) {
    v[0] = (struct iovec){base + 9 * PU_UNIT, 1948};
    v[1] = (struct iovec){base + 9 * PU_UNIT + 1948, 3 * PU_UNIT - 1948};
    return 2;
  }
  v[0] = (struct iovec){base + 9 * PU_UNIT, 0};
  v[1] = (struct iovec){base + 9 * PU_UNIT, 2 * PU_UNIT};
  v[2] = (struct iovec){base + 12 * PU_UNIT, 0};
  v[3] = (struct iovec){base + 12 * PU_UNIT, 4 * PU_UNIT};
  return 4;
}

// Submit (async, through gate b), SubmitSync (sync, on loop0) or SubmitFault (base = an
// address with no vma) of the spec's iterator `iter`.
static int pu_submit(struct pu_state *s, int b, const char *iter, int is_write, unsigned char *base, int sync,
                     const char *step, char *err, size_t errlen) {
  if (s->submitted[b] || s->failed[b]) return snprintf(err, errlen, "%s: bio %d was already used", step, b), -1;
  // SubmitFault and SubmitMisaligned build no bio: they need no gate.
  int fault = base == s->unmapped || strncmp(iter, "MIS_", 4) == 0 || strcmp(iter, "EOF_EOF") == 0 ||
              strcmp(iter, "MANY_FIRST") == 0;
  int n = pu_iovec(s, b, iter, base);
  s->filemap[b] = strcmp(iter, "FILEMAP") == 0 || strncmp(iter, "EOF_", 4) == 0;
  s->is_write[b] = is_write;
  // Reads from the lower half (the disk pattern stays as ForkRace expects it), FILEMAP reads
  // from their page of PU_DMA_BYTE; writes to the last 128 KiB, which no other experiment
  // reads back.
  long long at = is_write ? pu_write_region(b) : s->filemap[b] ? pu_dma_region(b) : (long long)(b - 1) * 65536;
  if (s->end_at[b] > 0) at = s->end_at[b];  // DeviceEnd: at the gate's end (its table maps DISK_BYTES)
  // SubmitMany's 257 KiB writes: from the middle of the disk (upper half, 512 KiB per bio).
  if (strncmp(iter, "MANY", 4) == 0 && is_write) at = (long long)DISK_BYTES / 2 + (long long)(b - 1) * 524288;
  if (sync) {
    ssize_t r = is_write ? pwritev(s->sync_fd, s->iov[b], n, at) : preadv(s->sync_fd, s->iov[b], n, at);
    s->submitted[b] = 1;
    s->done[b] = 1;
    s->res[b] = r < 0 ? -errno : r;
    if (r < 0) s->failed[b] = 1;
    return 0;
  }
  if (!fault && pu_gate_ready(s, b, err, errlen) < 0) return -1;
  // SubmitFault and SubmitMisaligned build no bio: any open fd of the device will do, the
  // gate's or loop0's.
  // (SubmitMisaligned's writes need it open for writing: aio_write checks FMODE_WRITE first.)
  if (s->fd[b] <= 0 && (s->fd[b] = open(LOOP_DEV, (is_write ? O_RDWR : O_RDONLY) | O_DIRECT)) < 0) return snprintf(err, errlen, "open %s: %s", LOOP_DEV, strerror(errno)), -1;
  struct iocb cb;
  memset(&cb, 0, sizeof cb);
  cb.aio_data = (uint64_t)b;
  cb.aio_fildes = (uint32_t)s->fd[b];
  if (n == 1) {
    cb.aio_lio_opcode = is_write ? IOCB_CMD_PWRITE : IOCB_CMD_PREAD;
    cb.aio_buf = (uint64_t)(uintptr_t)s->iov[b][0].iov_base;
    cb.aio_nbytes = s->iov[b][0].iov_len;
  } else {
    cb.aio_lio_opcode = is_write ? IOCB_CMD_PWRITEV : IOCB_CMD_PREADV;
    cb.aio_buf = (uint64_t)(uintptr_t)s->iov[b];
    cb.aio_nbytes = (uint64_t)n;
  }
  cb.aio_offset = (int64_t)at;
  struct iocb *cbs[1] = {&cb};
  if (sys_io_submit(s->ctx, 1, cbs) != 1) {
    s->failed[b] = 1;
    s->res[b] = -errno;
    return 0;
  }
  s->submitted[b] = 1;
  return 0;
}

// The dev_t of this slot's "error" device (a dm device whose one target fails every bio:
// drivers/md/dm-target.c io_err_map), created on first use and kept for the slot.
static int pu_error_device(dev_t *dev, char *err, size_t errlen) {
  char name[64];
  snprintf(name, sizeof name, "pinlab-e%d", g_slot);
  int ctl = open("/dev/mapper/control", O_RDWR);
  if (ctl < 0) return snprintf(err, errlen, "open /dev/mapper/control: %s", strerror(errno)), -1;
  int made = dm_create(ctl, name, 1, dev, err, errlen);
  if (made == 0 && dm_load_table(ctl, name, "error", DISK_BYTES / 512, "", err, errlen) < 0) made = -1;
  return close(ctl), made < 0 ? -1 : 0;
}

// Loads a dm-linear table onto gate `name` mapping it onto device `under`, then resumes it:
// dm-ioctl.c do_resume swaps in the new table (suspending first if the gate is not) and
// dm_queue_flush resubmits the bios held while it was suspended, now through the new table.
static int pu_gate_retarget(const char *name, dev_t under, char *err, size_t errlen) {
  int ctl = open("/dev/mapper/control", O_RDWR);
  if (ctl < 0) return snprintf(err, errlen, "open /dev/mapper/control: %s", strerror(errno)), -1;
  char params[128];
  snprintf(params, sizeof params, "%u:%u 0", major(under), minor(under));
  int rc = dm_load_table(ctl, name, "linear", DISK_BYTES / 512, params, err, errlen);
  return close(ctl), rc;
}

// LargeBlock: an O_RDONLY | O_DIRECT fd of this worker slot's loop device with 4 KiB logical
// blocks: loop<8 + slot> (LOOP_CTL_ADD; -EEXIST once made), bound to a 64 KiB tmpfs file
// (LOOP_SET_FD; -EBUSY once bound by an earlier scenario of the slot) and set to 4 KiB blocks
// (LOOP_SET_BLOCK_SIZE: blk_queue_logical_block_size on 6.1, the queue limits on 6.12; a no-op
// when already so). The DMA alignment stays the queue's default 511.
static int pu_large_block_open(char *err, size_t errlen) {
  int nr = 8 + g_slot;
  int ctl = open("/dev/loop-control", O_RDWR);
  if (ctl < 0) return snprintf(err, errlen, "open /dev/loop-control: %s", strerror(errno)), -1;
  int added = ioctl(ctl, LOOP_CTL_ADD, nr);
  int add_errno = errno;
  close(ctl);
  if (added < 0 && add_errno != EEXIST) return snprintf(err, errlen, "LOOP_CTL_ADD %d: %s", nr, strerror(add_errno)), -1;
  char dev[32];
  snprintf(dev, sizeof dev, "/dev/loop%d", nr);
  struct stat st;
  if (stat(dev, &st) < 0 && mknod(dev, S_IFBLK | 0600, makedev(7, (unsigned)nr)) < 0)
    return snprintf(err, errlen, "mknod %s: %s", dev, strerror(errno)), -1;
  int lo = open(dev, O_RDWR);
  if (lo < 0) return snprintf(err, errlen, "open %s: %s", dev, strerror(errno)), -1;
  char path[64];
  snprintf(path, sizeof path, "/tmp/pinunpin-lb-%d", nr);
  int bf = open(path, O_RDWR | O_CREAT, 0600);
  if (bf < 0) return close(lo), snprintf(err, errlen, "open %s: %s", path, strerror(errno)), -1;
  if (ftruncate(bf, 65536) < 0) return close(bf), close(lo), snprintf(err, errlen, "ftruncate %s: %s", path, strerror(errno)), -1;
  if (ioctl(lo, LOOP_SET_FD, bf) < 0 && errno != EBUSY)
    return close(bf), close(lo), snprintf(err, errlen, "LOOP_SET_FD %s: %s", dev, strerror(errno)), -1;
  close(bf);
  unlink(path);
  if (ioctl(lo, LOOP_SET_BLOCK_SIZE, 4096UL) < 0) return close(lo), snprintf(err, errlen, "LOOP_SET_BLOCK_SIZE %s: %s", dev, strerror(errno)), -1;
  close(lo);
  int fd = open(dev, O_RDONLY | O_DIRECT);
  if (fd < 0) return snprintf(err, errlen, "open %s O_DIRECT: %s", dev, strerror(errno)), -1;
  return fd;
}

#ifndef __NR_memfd_secret
#define __NR_memfd_secret 447  // arch/x86/entry/syscalls/syscall_64.tbl, since 5.14
#endif

// SecretRest: user page 4 becomes a page of memfd_secret memory (MAP_SHARED over the unmapped
// page, never touched: GUP-fast finds no pte), user page 5 must have no vma, and the synchronous
// 10 KiB read returns the direct 3 KiB plus filemap_read's 4 KiB copied into the secret page,
// which must then hold loop0's bytes 3 KiB to 7 KiB into the range.
static int pu_sync_secret(struct pu_state *s, int b, const char *step, char *err, size_t errlen) {
  unsigned char *secret = s->user + PU_USER_PAGES * PAGE;
  int fd = (int)syscall(__NR_memfd_secret, 0);
  if (fd < 0) return snprintf(err, errlen, "%s: memfd_secret: %s", step, strerror(errno)), -1;
  if (ftruncate(fd, PAGE) < 0) return snprintf(err, errlen, "%s: ftruncate of the secretmem fd: %s", step, strerror(errno)), -1;
  void *at = mmap(secret, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED_NOREPLACE, fd, 0);
  close(fd);
  if (at != secret) return snprintf(err, errlen, "%s: mmap of the secretmem page at user page 4: %s", step, at == MAP_FAILED ? strerror(errno) : "placed elsewhere"), -1;
  unsigned char v = 0;
  if (mincore(secret + PAGE, PAGE, &v) == 0 || errno != ENOMEM) return snprintf(err, errlen, "%s: user page 5 has a vma", step), -1;
  if (pu_submit(s, b, "SECRET", 0, s->user, 1, step, err, errlen) < 0) return -1;
  if (s->res[b] != 7 * PU_UNIT) return snprintf(err, errlen, "%s: preadv returned %lld, not %d", step, s->res[b], 7 * PU_UNIT), -1;
  static unsigned char want[PAGE];
  if (pread(s->disk_fd, want, PAGE, (long long)(b - 1) * 65536 + 3 * PU_UNIT) != PAGE) return snprintf(err, errlen, "%s: pread of the backing file: %s", step, strerror(errno)), -1;
  if (memcmp(secret, want, PAGE) != 0) return snprintf(err, errlen, "%s: the secret page does not hold loop0's bytes 3 KiB to 7 KiB into the range", step), -1;
  // bio<b>.bytes is the direct read's size (dio->size, bi_size), as for SubmitSyncPartial, where
  // the call returns just that: here the call's 7168 less the 4096 the buffered rest copied into
  // the secret page (checked above). 6.12's pin counters (+1: user page 3 alone) show the bio
  // held one page.
  s->res[b] -= PAGE;
  return 0;
}

static int pu_step(struct pu_state *s, const char *step, char *err, size_t errlen) {
  char name[32], iter[16] = "", dir[16] = "", page[8] = "";
  size_t k = 0;
  while (step[k] && step[k] != ':' && k < sizeof name - 1) name[k] = step[k], k++;
  name[k] = 0;
  if (strcmp(name, "Init") == 0) return 0;
  if (strcmp(name, "StoreFile") == 0) {
    if (!s->file) return snprintf(err, errlen, "%s: no file mapping (request without file=1)", step), -1;
    memset(s->f_priv + PU_STORE_AT, PU_STORE_BYTE, PU_UNIT);  // the write fault: do_wp_page
    return 0;
  }
  if (strcmp(name, "PunchHole") == 0) {
    if (pu_param(step, "page", page, sizeof page) < 0 || (strcmp(page, "X0") && strcmp(page, "X1")))
      return snprintf(err, errlen, "%s: page must be X0 or X1", step), -1;
    off_t at = page[1] == '0' ? 0 : PAGE;
    if (fallocate(s->file_fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, at, PAGE) < 0)
      return snprintf(err, errlen, "%s: fallocate PUNCH_HOLE: %s", step, strerror(errno)), -1;
    return 0;
  }
  int b = step_param(step, "bio", 0);
  if (b < 1 || b > 2) return snprintf(err, errlen, "%s: bio must be 1 or 2", step), -1;
  pu_param(step, "iter", iter, sizeof iter);
  pu_param(step, "dir", dir, sizeof dir);
  if (strcmp(name, "SubmitPartial") == 0) {
    if (pu_submit(s, b, "PARTIAL", 0, s->user, 0, step, err, errlen) < 0) return -1;
    if (s->submitted[b]) {
      pu_reap(s, 0, 0);
      s->held[b] = !s->done[b];
    }
    return 0;
  }
  int odd = strcmp(name, "ReadCrossEndOdd") == 0;
  int cross = odd || strcmp(name, "ReadCrossEnd") == 0, at_end = strcmp(name, "WriteAtEnd") == 0;
  if (cross || at_end) {
    // DeviceEnd: Submit's async UBUF request (6144 bytes at user address +1024) through gate b,
    // whose table maps DISK_BYTES, placed at the device's end. ReadCrossEnd reads from 3072 bytes
    // (3 model bytes) before the end: block/fops.c blkdev_read_iter truncates the iterator to the
    // 3072 bytes that fit before blkdev_direct_IO (6.1 and 6.12), so the bio holds user page 0
    // from offset 1024 only and is queued at the gate short (dio->size 3072). WriteAtEnd writes
    // at the end itself: blkdev_write_iter returns -ENOSPC before any extraction, which aio_write
    // -> aio_rw_done posts as the completion inside io_submit: no bio, nothing taken.
    s->end_at[b] = cross ? (long long)DISK_BYTES - 3 * PU_UNIT : (long long)DISK_BYTES;
    // ReadCrossEndOdd: the same read 100 bytes longer (6244, off the 512-byte block): cut to the
    // 3072 bytes that fit before blkdev_direct_IO checks the alignment, it goes as ReadCrossEnd.
    if (pu_submit(s, b, odd ? "ODD_UBUF" : "UBUF", at_end, s->user, 0, step, err, errlen) < 0) return -1;
    if (s->submitted[b] && at_end) pu_reap(s, b, 1000);  // still missing after 1 s: a bio went to the gate
    else if (s->submitted[b]) {
      pu_reap(s, 0, 0);
      s->held[b] = !s->done[b];
    }
    return 0;
  }
  if (strcmp(name, "SubmitShortBlock") == 0) {
    // LargeBlock: one 4 KiB block read from offset 0 of the slot's 4 KiB-block loop device into
    // user page 3 from +1 KiB, then user page 4 (unmapped): __bio_iov_iter_get_pages trims the
    // 3 KiB GUP got to nothing (block/bio.c "if (unlikely(!size)) { ret = -EFAULT; ...}"),
    // releases the page and bio_iov_iter_get_pages fails the request with -EFAULT, which
    // aio_rw_done posts as the completion inside io_submit.
    if (s->submitted[b] || s->failed[b]) return snprintf(err, errlen, "%s: bio %d was already used", step, b), -1;
    int fd = pu_large_block_open(err, errlen);
    if (fd < 0) return -1;
    struct iocb cb;
    memset(&cb, 0, sizeof cb);
    cb.aio_data = (uint64_t)b;
    cb.aio_fildes = (uint32_t)fd;
    cb.aio_lio_opcode = IOCB_CMD_PREAD;
    cb.aio_buf = (uint64_t)(uintptr_t)(s->user + 13 * PU_UNIT);
    cb.aio_nbytes = 4096;
    cb.aio_offset = 0;
    struct iocb *cbs[1] = {&cb};
    if (sys_io_submit(s->ctx, 1, cbs) != 1) {
      int e = errno;
      close(fd);
      return snprintf(err, errlen, "%s: io_submit failed: %s", step, strerror(e)), -1;
    }
    s->submitted[b] = 1;
    pu_reap(s, b, 1000);  // still missing after 1 s: a bio went to the device
    close(fd);
    if (!s->done[b]) return snprintf(err, errlen, "%s: no completion within 1 s", step), -1;
    if (s->res[b] != -EFAULT) return snprintf(err, errlen, "%s: the kernel answered %lld, not -EFAULT", step, s->res[b]), -1;
    return 0;
  }
  if (strcmp(name, "SubmitPastEof") == 0) {
    // FileEof: Submit's async FILEMAP request reaching past the file's end (see the top).
    char from[8] = "";
    pu_param(step, "from", from, sizeof from);
    if (!s->file_eof) return snprintf(err, errlen, "%s: no mapping past the file's end (request without file=3)", step), -1;
    if (strcmp(dir, "DEST") && strcmp(dir, "SOURCE")) return snprintf(err, errlen, "%s: dir must be DEST or SOURCE", step), -1;
    int in = strcmp(from, "IN") == 0;
    if (!in && strcmp(from, "EOF")) return snprintf(err, errlen, "%s: from must be IN or EOF", step), -1;
    if (pu_submit(s, b, in ? "EOF_IN" : "EOF_EOF", dir[0] == 'S', s->f_priv, 0, step, err, errlen) < 0) return -1;
    if (!s->submitted[b]) return snprintf(err, errlen, "%s: io_submit failed (%lld)", step, s->res[b]), -1;
    if (in) {
      pu_reap(s, 0, 0);
      s->held[b] = !s->done[b];
      return 0;
    }
    pu_reap(s, b, 1000);  // still missing after 1 s: a bio went to loop0
    if (!s->done[b]) return snprintf(err, errlen, "%s: no completion within 1 s", step), -1;
    if (s->res[b] != -EFAULT) return snprintf(err, errlen, "%s: the kernel answered %lld, not -EFAULT", step, s->res[b]), -1;
    return 0;
  }
  int mis_addr = strcmp(name, "SubmitMisalignedAddr") == 0;
  if (mis_addr) snprintf(iter, sizeof iter, "ADDR");  // MisalignedAddr: its own IOVEC layout
  if (mis_addr || strcmp(name, "SubmitMisaligned") == 0) {
    // MisalignedIo: Submit's async request over a buffer the device cannot take: 6.12
    // blkdev_direct_IO's blkdev_dio_invalid (6.1 blkdev_dio_unaligned) -> bdev_iter_is_aligned
    // refuses it with -EINVAL before any bio, which aio_rw_done posts as the completion inside
    // io_submit. Any other result is reported as an error (the model's FAILED says only that
    // it failed at once).
    if (!mis_addr && strcmp(iter, "UBUF") && strcmp(iter, "IOVEC")) return snprintf(err, errlen, "%s: iter must be UBUF or IOVEC", step), -1;
    if (strcmp(dir, "DEST") && strcmp(dir, "SOURCE")) return snprintf(err, errlen, "%s: dir must be DEST or SOURCE", step), -1;
    char mis[16];
    snprintf(mis, sizeof mis, "MIS_%s", iter);
    if (pu_submit(s, b, mis, dir[0] == 'S', s->user, 0, step, err, errlen) < 0) return -1;
    if (s->submitted[b]) pu_reap(s, b, 1000);  // still missing after 1 s: a bio went to loop0
    if (!s->submitted[b]) return snprintf(err, errlen, "%s: io_submit failed (%lld)", step, s->res[b]), -1;
    if (!s->done[b]) return snprintf(err, errlen, "%s: no completion within 1 s", step), -1;
    if (s->res[b] != -EINVAL) return snprintf(err, errlen, "%s: the kernel answered %lld, not -EINVAL", step, s->res[b]), -1;
    return 0;
  }
  if (strcmp(name, "SubmitContiguous") == 0) {
    // ContiguousIovec: Submit's async IOVEC request through gate b as two contiguous iovecs in
    // user page 2: one extraction per iovec takes the page twice, and the second range merges
    // into the bio's last bvec, its hold dropped at once (block/bio.c bio_iov_add_page: 6.1
    // put_page, 6.12 bio_iov_add_folio: unpin_user_folio, so nr_foll_pin_acquired +2 and
    // nr_foll_pin_released +1 at submission); the bio is queued at the gate with 2 KiB.
    if (strcmp(dir, "DEST") && strcmp(dir, "SOURCE")) return snprintf(err, errlen, "%s: dir must be DEST or SOURCE", step), -1;
    if (pu_submit(s, b, "CONTIG", dir[0] == 'S', s->user, 0, step, err, errlen) < 0) return -1;
    if (s->submitted[b]) {
      pu_reap(s, 0, 0);
      s->held[b] = !s->done[b];
    }
    return 0;
  }
  if (strcmp(name, "SubmitSyncPartial") == 0) {
    // SyncPartial: SubmitPartial's buffer (user page 3 from 1 KiB, then the unmapped user page 4)
    // as a synchronous preadv on loop0 opened O_DIRECT: __blkdev_direct_IO_simple reads 3 KiB
    // into user page 3 (the next extraction's -EFAULT dropped), then blkdev_read_iter's
    // filemap_read faults at once copying the rest and returns the 3 KiB; another answer is an
    // error.
    if (pu_submit(s, b, "PARTIAL", 0, s->user, 1, step, err, errlen) < 0) return -1;
    if (s->res[b] != 3 * PU_UNIT) return snprintf(err, errlen, "%s: preadv returned %lld, not %d", step, s->res[b], 3 * PU_UNIT), -1;
    return 0;
  }
  if (strcmp(name, "SubmitSyncSecret") == 0) return pu_sync_secret(s, b, step, err, errlen);
  if (strcmp(name, "SubmitMany") == 0) {
    // ManyIovecs: 257 iovecs, more than BIO_MAX_VECS pages: block/fops.c __blkdev_direct_IO
    // loops over bios and returns -EIOCBQUEUED whatever they did; a bio whose extraction fails is
    // ended with BLK_STS_IOERR and the request completes -EIO (blkdev_bio_end_io).
    char fault[8] = "", many[16];
    pu_param(step, "fault", fault, sizeof fault);
    if (strcmp(dir, "DEST") && strcmp(dir, "SOURCE")) return snprintf(err, errlen, "%s: dir must be DEST or SOURCE", step), -1;
    if (strcmp(fault, "NONE") && strcmp(fault, "LAST") && strcmp(fault, "FIRST")) return snprintf(err, errlen, "%s: fault must be NONE, LAST or FIRST", step), -1;
    if (strcmp(fault, "NONE") == 0) snprintf(many, sizeof many, "MANY");
    else snprintf(many, sizeof many, "MANY_%s", fault);
    if (pu_submit(s, b, many, dir[0] == 'S', s->user, 0, step, err, errlen) < 0) return -1;
    if (!s->submitted[b]) return snprintf(err, errlen, "%s: io_submit failed (%lld)", step, s->res[b]), -1;
    if (strcmp(fault, "FIRST") == 0) {
      // The first bio ended at once: the completion (-EIO) is posted inside io_submit.
      pu_reap(s, b, 1000);
      if (!s->done[b]) return snprintf(err, errlen, "%s: no completion within 1 s", step), -1;
      if (s->res[b] != -EIO) return snprintf(err, errlen, "%s: the kernel answered %lld, not -EIO", step, s->res[b]), -1;
      return 0;
    }
    pu_reap(s, 0, 0);
    s->held[b] = !s->done[b];
    return 0;
  }
  int fault = strcmp(name, "SubmitFault") == 0, sync = strcmp(name, "SubmitSync") == 0;
  if (strcmp(name, "Submit") == 0 || fault || sync) {
    int filemap = strcmp(iter, "FILEMAP") == 0;
    if (strcmp(iter, "UBUF") && strcmp(iter, "IOVEC") && !(filemap && !fault))
      return snprintf(err, errlen, "%s: iter must be UBUF, IOVEC or FILEMAP (kernel iterators have no user-space form)", step), -1;
    if (filemap && !s->file) return snprintf(err, errlen, "%s: no file mapping (request without file=1)", step), -1;
    if (fault) {
      // The error comes back inside io_submit (aio_rw_done -> ki_complete with -EFAULT) or as
      // its return value; a completion still missing after 1 s means a bio went to the gate.
      if (pu_submit(s, b, iter, 0, s->unmapped, 0, step, err, errlen) < 0) return -1;
      if (s->submitted[b]) pu_reap(s, b, 1000);
      return 0;
    }
    if (strcmp(dir, "DEST") && strcmp(dir, "SOURCE")) return snprintf(err, errlen, "%s: dir must be DEST or SOURCE", step), -1;
    if (pu_submit(s, b, iter, dir[0] == 'S', filemap ? s->f_priv : s->user, sync, step, err, errlen) < 0) return -1;
    if (!sync && s->submitted[b]) {
      pu_reap(s, 0, 0);
      s->held[b] = !s->done[b];
    }
    return 0;
  }
  int fail = strcmp(name, "CompleteError") == 0;
  if (strcmp(name, "Complete") == 0 || fail) {
    if (!s->submitted[b] || !s->gate[b][0]) return snprintf(err, errlen, "%s: bio %d was never submitted through its gate", step, b), -1;
    if (fail) {
      dev_t errdev;
      if (pu_error_device(&errdev, err, errlen) < 0) return -1;
      if (pu_gate_retarget(s->gate[b], errdev, err, errlen) < 0) return -1;
      s->error_gate[b] = 1;
    } else if (gate_open(s->gate[b]) < 0) {
      return snprintf(err, errlen, "%s: resume gate: %s", step, strerror(errno)), -1;
    }
    pu_reap(s, b, 10000);
    if (!s->done[b]) return snprintf(err, errlen, "%s: no completion within 10 s of resuming the gate", step), -1;
    long long now = pu_gate_sectors(s, b);
    s->sect[b] = now < 0 || s->sect0[b] < 0 ? -1 : now - s->sect0[b];
    return 0;
  }
  return snprintf(err, errlen, "unknown PinUnpin step \"%s\"", step), -1;
}

// FilePrivate: user page 5, a one-page tmpfs file of PU_FILE_BYTE mapped MAP_PRIVATE and read
// once (do_read_fault maps the page-cache page read-only; not with FileLazy: no PTE), the same
// page MAP_SHARED for its PFN, and each FILEMAP read's device page filled with PU_DMA_BYTE.
static int pu_setup_file(struct pu_state *s, char *err, size_t errlen) {
  char path[64];
  snprintf(path, sizeof path, "/tmp/pinunpin-f-%d", getpid());
  s->f_fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
  if (s->f_fd < 0) return snprintf(err, errlen, "open %s: %s", path, strerror(errno)), -1;
  unlink(path);
  memset(s->io_buf, PU_FILE_BYTE, PAGE);
  if (pwrite(s->f_fd, s->io_buf, PAGE, 0) != PAGE) return snprintf(err, errlen, "fill file: %s", strerror(errno)), -1;
  // FileEof: two pages over the one-page file (mmap does not check i_size; the second page
  // is past it).
  s->f_priv = mmap(NULL, (s->file_eof ? 2 : 1) * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE, s->f_fd, 0);
  s->f_shared = mmap(NULL, PAGE, PROT_READ, MAP_SHARED, s->f_fd, 0);
  if (s->f_priv == MAP_FAILED || s->f_shared == MAP_FAILED) return snprintf(err, errlen, "mmap file: %s", strerror(errno)), -1;
  volatile unsigned char sink = 0;
  if (!s->file_lazy) sink = s->f_priv[0];  // the read fault: the page-cache page, read-only
  sink = s->f_shared[0];
  (void)sink;
  if (s->file_lazy) {
    if (pu_pfn(s->f_priv) != 0) return snprintf(err, errlen, "the untouched private file mapping has a PTE"), -1;
  } else if (pu_pfn(s->f_priv) == 0 || pu_pfn(s->f_priv) != pu_pfn(s->f_shared)) {
    return snprintf(err, errlen, "the private file mapping does not map the page-cache page after a read"), -1;
  }
  // Fault-around (do_read_fault -> filemap_map_pages) maps no page past i_size; the vma still
  // covers it (mincore fails -ENOMEM only where no vma is).
  if (s->file_eof) {
    unsigned char v = 0;
    if (mincore(s->f_priv + PAGE, PAGE, &v) < 0) return snprintf(err, errlen, "user page 6 has no vma: %s", strerror(errno)), -1;
    if (pu_pfn(s->f_priv + PAGE) != 0) return snprintf(err, errlen, "the page past the file's end has a PTE"), -1;
  }
  memset(s->io_buf, PU_DMA_BYTE, PAGE);
  for (int b = 1; b <= 2; b++)
    if (pwrite(s->sync_fd, s->io_buf, PAGE, pu_dma_region(b)) != PAGE) return snprintf(err, errlen, "fill the DMA region: %s", strerror(errno)), -1;
  return 0;
}

static int pu_setup(struct pu_state *s, char *err, size_t errlen) {
  // One page more than U0..U3: user page 4, unmapped at the end of the set-up (SubmitPartial).
  // SecretRest: two, user pages 4 and 5 (SubmitSyncSecret maps its secret page at 4 and needs 5
  // without a vma, which the mapping above the buffer's may otherwise be: 6.12's layout).
  s->user = mmap(NULL, (PU_USER_PAGES + 1 + s->secret) * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (s->user == MAP_FAILED) return snprintf(err, errlen, "mmap: %s", strerror(errno)), -1;
  memset(s->user, 0xEE, 3 * PAGE);
  volatile unsigned char sink = s->user[3 * PAGE];  // read fault: the zero page
  // The zero page's PFN, from a page of our own that can map nothing else.
  unsigned char *ref = mmap(NULL, PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (ref == MAP_FAILED) return snprintf(err, errlen, "mmap: %s", strerror(errno)), -1;
  sink = ref[0];
  (void)sink;
  s->zero_pfn = pu_pfn(ref);
  if (s->zero_pfn == 0) return snprintf(err, errlen, "no PFN in /proc/self/pagemap (not root?)"), -1;
  // X0, X1: a 2-page tmpfs file, both pages written (in the page cache), mapped for mincore.
  char path[64];
  snprintf(path, sizeof path, "/tmp/pinunpin-%d", getpid());
  s->file_fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
  if (s->file_fd < 0) return snprintf(err, errlen, "open %s: %s", path, strerror(errno)), -1;
  unlink(path);
  static unsigned char fill[2 * PAGE];
  memset(fill, 0x5A, sizeof fill);
  if (pwrite(s->file_fd, fill, sizeof fill, 0) != (ssize_t)sizeof fill) return snprintf(err, errlen, "fill: %s", strerror(errno)), -1;
  s->file_map = mmap(NULL, 2 * PAGE, PROT_READ, MAP_SHARED, s->file_fd, 0);
  if (s->file_map == MAP_FAILED) return snprintf(err, errlen, "mmap file: %s", strerror(errno)), -1;
  if (sys_io_setup(4, &s->ctx) < 0) return snprintf(err, errlen, "io_setup: %s", strerror(errno)), -1;
  s->sync_fd = open(LOOP_DEV, O_RDWR | O_DIRECT);
  if (s->sync_fd < 0) return snprintf(err, errlen, "open %s O_RDWR|O_DIRECT: %s", LOOP_DEV, strerror(errno)), -1;
  s->disk_fd = open(DISK_PATH, O_RDONLY);
  if (s->disk_fd < 0) return snprintf(err, errlen, "open %s: %s", DISK_PATH, strerror(errno)), -1;
  s->io_buf = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (s->io_buf == MAP_FAILED) return snprintf(err, errlen, "mmap: %s", strerror(errno)), -1;
  if (s->file && pu_setup_file(s, err, errlen) < 0) return -1;
  // SubmitFault's address: a range mapped and unmapped after every other mapping of the
  // scenario is made, so no later mmap can land in the hole and give it a vma again.
  s->unmapped = mmap(NULL, 4 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (s->unmapped == MAP_FAILED || munmap(s->unmapped, 4 * PAGE) < 0) return snprintf(err, errlen, "mmap/munmap: %s", strerror(errno)), -1;
  // User page 4 (and 5) go last for the same reason: the UBUF buffer SubmitPartial reads into
  // runs past the end of the mapping there.
  if (munmap(s->user + PU_USER_PAGES * PAGE, (1 + s->secret) * PAGE) < 0) return snprintf(err, errlen, "munmap user page 4: %s", strerror(errno)), -1;
  return 0;
}

// Gate b, closed, ready for bio b's Submit. Made at the bio's first Submit, not up front: the
// dm ioctls (suspend especially) are most of a scenario's cost under TCG, and many scenarios
// submit one bio or none (SubmitFault needs no gate: no bio is built).
static int pu_gate_ready(struct pu_state *s, int b, char *err, size_t errlen) {
  if (s->gate[b][0]) return 0;
  char devpath[96];
  int rofd = -1;
  snprintf(s->gate[b], sizeof s->gate[b], "pinlab-s%d-%d", g_slot, b);
  if (gate_create(s->gate[b], 0, devpath, sizeof devpath, &rofd, err, errlen) < 0) return -1;
  // SOURCE steps write: the gate's fd must be writable; opened while the gate is open.
  s->fd[b] = open(devpath, O_RDWR | O_DIRECT);
  close(rofd);
  if (s->fd[b] < 0) return snprintf(err, errlen, "open %s O_RDWR|O_DIRECT: %s", devpath, strerror(errno)), -1;
  if (pu_gate_suspend(s->gate[b]) < 0) return snprintf(err, errlen, "DM suspend %s: %s", s->gate[b], strerror(errno)), -1;
  s->sect0[b] = pu_gate_sectors(s, b);
  return 0;
}

static void pu_teardown(struct pu_state *s) {
  // Open every gate so nothing stays queued and every bio completes (its res is reported);
  // the gates stay, open, for this worker slot's next scenario.
  for (int b = 1; b <= 2; b++) {
    if (s->gate[b][0]) gate_open(s->gate[b]);
    if (s->submitted[b] && !s->done[b]) {
      pu_reap(s, b, 10000);
      // The gate's sectors for a bio completing here too: one ending with an error (SubmitMany's
      // LAST: -EIO) has no dio->size, so its size is what the gate accounted.
      long long now = pu_gate_sectors(s, b);
      if (s->done[b] && s->sect[b] < 0 && now >= 0 && s->sect0[b] >= 0) s->sect[b] = now - s->sect0[b];
    }
    if (s->fd[b] > 0) close(s->fd[b]);
    // A gate switched onto the error device goes back onto loop0 for the slot's next scenario.
    struct stat st;
    char e[128];
    if (s->error_gate[b] && stat(LOOP_DEV, &st) == 0) pu_gate_retarget(s->gate[b], st.st_rdev, e, sizeof e);
  }
  if (s->ctx) sys_io_destroy(s->ctx);
  if (s->sync_fd > 0) close(s->sync_fd);
  if (s->disk_fd > 0) close(s->disk_fd);
  if (s->f_fd > 0) close(s->f_fd);
}

static int op_pinunpin_script(const struct req *r, struct out *o, char *err, size_t errlen) {
  const char *script = req_str(r, "steps", "");
  struct pu_state s;
  memset(&s, 0, sizeof s);
  int file = req_int(r, "file", 0);
  s.file = file == 1 || file == 2 || file == 3;
  s.file_lazy = file == 2;
  s.file_eof = file == 3;
  s.secret = req_int(r, "secret", 0) == 1;
  for (int b = 0; b < 3; b++) s.sect0[b] = s.sect[b] = -1;
  int rc = pu_setup(&s, err, errlen);
  if (rc == 0 && read_pins(&s.base) < 0) {
    snprintf(err, errlen, "no nr_foll_pin_acquired in /proc/vmstat");
    rc = -1;
  }
  outf(o, "\"obs\":[");
  char step[256];
  int nsteps = 0;
  const char *p = script;
  while (rc == 0 && next_step(&p, step, sizeof step)) {
    rc = pu_step(&s, step, err, errlen);
    if (rc == 0) pu_observe(&s, o, nsteps++ == 0, strncmp(step, "Complete", 8) == 0 || strncmp(step, "SubmitSync", 10) == 0);
  }
  outf(o, "]");
  out_int(o, "steps", nsteps);
  pu_teardown(&s);
  outf(o, ",\"res\":[");
  for (int b = 1; b <= 2; b++) {
    if (s.done[b] || s.failed[b]) outf(o, "%s%lld", b > 1 ? "," : "", s.res[b]);
    else outf(o, "%snull", b > 1 ? "," : "");
  }
  outf(o, "],\"sect\":[");
  for (int b = 1; b <= 2; b++) {
    if (s.sect[b] >= 0) outf(o, "%s%lld", b > 1 ? "," : "", s.sect[b]);
    else outf(o, "%snull", b > 1 ? "," : "");
  }
  outf(o, "]");
  return rc;
}

static int pinunpin_op(const char *op, const struct req *r, struct out *o, char *err, size_t errlen) {
  if (strcmp(op, "pinunpin_script") == 0) return op_pinunpin_script(r, o, err, errlen);
  return 1;
}

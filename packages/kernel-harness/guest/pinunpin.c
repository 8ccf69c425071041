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
//   PunchHole(x)       fallocate(FALLOC_FL_PUNCH_HOLE) of page x of the tmpfs file
//                      (shmem_fallocate -> shmem_truncate_range drops it from the page cache).

#define PU_UNIT 1024
#define PU_BYTES (6 * PU_UNIT)
#define PU_USER_PAGES 4

struct pu_state {
  unsigned char *user;  // U0..U3
  void *unmapped;       // SubmitFault's buffer: an address whose vma was unmapped
  aio_context_t ctx;
  int fd[3];
  char gate[3][64];
  int submitted[3], failed[3], done[3];
  long long res[3];
  struct iovec iov[3][4];  // each bio's own iovec array (AIO reads it at io_submit)
  int file_fd;
  unsigned char *file_map;  // X0, X1
  unsigned long long zero_pfn;
  struct pins base;
};

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
  return s->res[b] >= 0 ? "DONE" : "FAILED";
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
  outf(o, "%s{\"st1\":\"%s\",\"st2\":\"%s\",\"acq\":%lld,\"rel\":%lld,\"zero\":%s,\"cached\":\"%s\"}", first ? "" : ",",
       pu_st(s, 1), pu_st(s, 2), now.acquired - s->base.acquired, now.released - s->base.released,
       pu_pfn(s->user + 3 * PAGE) == s->zero_pfn ? "true" : "false", cached);
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
  if (strcmp(iter, "UBUF") == 0) {
    v[0] = (struct iovec){base + 1 * PU_UNIT, PU_BYTES};
    return 1;
  }
  v[0] = (struct iovec){base + 9 * PU_UNIT, 0};
  v[1] = (struct iovec){base + 9 * PU_UNIT, 2 * PU_UNIT};
  v[2] = (struct iovec){base + 12 * PU_UNIT, 0};
  v[3] = (struct iovec){base + 12 * PU_UNIT, 4 * PU_UNIT};
  return 4;
}

static int pu_submit(struct pu_state *s, int b, const char *iter, int is_write, unsigned char *base, const char *step,
                     char *err, size_t errlen) {
  if (s->submitted[b] || s->failed[b]) return snprintf(err, errlen, "%s: bio %d was already used", step, b), -1;
  if (base == s->user && pu_gate_ready(s, b, err, errlen) < 0) return -1;
  // SubmitFault builds no bio: any open fd of the device will do, the gate's or loop0's.
  if (s->fd[b] <= 0 && (s->fd[b] = open(LOOP_DEV, O_RDONLY | O_DIRECT)) < 0) return snprintf(err, errlen, "open %s: %s", LOOP_DEV, strerror(errno)), -1;
  int n = pu_iovec(s, b, iter, base);
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
  // Reads from the lower half (the disk pattern stays as ForkRace expects it); writes to the
  // last 128 KiB, which no other experiment reads back.
  cb.aio_offset = is_write ? (int64_t)(DISK_BYTES - (unsigned)b * 65536) : (int64_t)(b - 1) * 65536;
  struct iocb *cbs[1] = {&cb};
  if (sys_io_submit(s->ctx, 1, cbs) != 1) {
    s->failed[b] = 1;
    s->res[b] = -errno;
    return 0;
  }
  s->submitted[b] = 1;
  return 0;
}

static int pu_step(struct pu_state *s, const char *step, char *err, size_t errlen) {
  char name[32], iter[16] = "", dir[16] = "", page[8] = "";
  size_t k = 0;
  while (step[k] && step[k] != ':' && k < sizeof name - 1) name[k] = step[k], k++;
  name[k] = 0;
  if (strcmp(name, "Init") == 0) return 0;
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
  if (strcmp(name, "Submit") == 0 || strcmp(name, "SubmitFault") == 0) {
    if (strcmp(iter, "UBUF") && strcmp(iter, "IOVEC"))
      return snprintf(err, errlen, "%s: iter must be UBUF or IOVEC (kernel iterators have no user-space form)", step), -1;
    if (name[6] == 'F') {
      // The error comes back inside io_submit (aio_rw_done -> ki_complete with -EFAULT) or as
      // its return value; a completion still missing after 1 s means a bio went to the gate.
      if (pu_submit(s, b, iter, 0, s->unmapped, step, err, errlen) < 0) return -1;
      if (s->submitted[b]) pu_reap(s, b, 1000);
      return 0;
    }
    if (strcmp(dir, "DEST") && strcmp(dir, "SOURCE")) return snprintf(err, errlen, "%s: dir must be DEST or SOURCE", step), -1;
    return pu_submit(s, b, iter, dir[0] == 'S', s->user, step, err, errlen);
  }
  if (strcmp(name, "Complete") == 0) {
    if (!s->submitted[b]) return snprintf(err, errlen, "%s: bio %d was never submitted", step, b), -1;
    if (gate_open(s->gate[b]) < 0) return snprintf(err, errlen, "%s: resume gate: %s", step, strerror(errno)), -1;
    pu_reap(s, b, 10000);
    if (!s->done[b]) return snprintf(err, errlen, "%s: no completion within 10 s of resuming the gate", step), -1;
    return 0;
  }
  return snprintf(err, errlen, "unknown PinUnpin step \"%s\"", step), -1;
}

static int pu_setup(struct pu_state *s, char *err, size_t errlen) {
  s->user = mmap(NULL, PU_USER_PAGES * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
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
  s->unmapped = mmap(NULL, 4 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (s->unmapped == MAP_FAILED || munmap(s->unmapped, 4 * PAGE) < 0) return snprintf(err, errlen, "mmap/munmap: %s", strerror(errno)), -1;
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
  return 0;
}

static void pu_teardown(struct pu_state *s) {
  // Open every gate so nothing stays queued and every bio completes (its res is reported);
  // the gates stay, open, for this worker slot's next scenario.
  for (int b = 1; b <= 2; b++) {
    if (s->gate[b][0]) gate_open(s->gate[b]);
    if (s->submitted[b] && !s->done[b]) pu_reap(s, b, 10000);
    if (s->fd[b] > 0) close(s->fd[b]);
  }
  if (s->ctx) sys_io_destroy(s->ctx);
}

static int op_pinunpin_script(const struct req *r, struct out *o, char *err, size_t errlen) {
  const char *script = req_str(r, "steps", "");
  struct pu_state s;
  memset(&s, 0, sizeof s);
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
    if (rc == 0) pu_observe(&s, o, nsteps++ == 0, strncmp(step, "Complete", 8) == 0);
  }
  outf(o, "]");
  out_int(o, "steps", nsteps);
  pu_teardown(&s);
  outf(o, ",\"res\":[");
  for (int b = 1; b <= 2; b++) {
    if (s.done[b] || s.failed[b]) outf(o, "%s%lld", b > 1 ? "," : "", s.res[b]);
    else outf(o, "%snull", b > 1 ? "," : "");
  }
  outf(o, "]");
  return rc;
}

static int pinunpin_op(const char *op, const struct req *r, struct out *o, char *err, size_t errlen) {
  if (strcmp(op, "pinunpin_script") == 0) return op_pinunpin_script(r, o, err, errlen);
  return 1;
}

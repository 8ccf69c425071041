// pinlab guest agent: runs kernel experiments inside the QEMU guest for @pinlab/kernel-harness.
//
// Built by the host with `gcc -static -O2` when the initramfs is built (never checked in as a
// binary). Raw syscalls only: Linux AIO, io_uring, device-mapper and loop ioctls, vmsplice,
// splice, preadv/pwritev; no liburing, libaio or dmsetup.
//
// Protocol (line-delimited JSON over /dev/ttyS1, see src/protocol.ts):
//   agent -> host  {"event":"ready","release":"6.1.0-56-amd64","delayMs":N}
//   host -> agent  {"id":7,"op":"fork_race","engine":"aio",...}   flat: strings, ints, bools
//   agent -> host  {"id":7,"ok":true,"result":{...}}  or  {"id":7,"ok":false,"error":"..."}
// Each request runs in its own forked worker, so a crashing experiment cannot take the agent
// down and independent requests run concurrently.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/aio_abi.h>
#include <linux/dm-ioctl.h>
#include <linux/io_uring.h>
#include <linux/loop.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/uio.h>
#include <sys/utsname.h>
#include <sys/vfs.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#define PAGE 4096
#define DISK_BYTES (4u << 20)
#define DISK_PATH "/tmp/disk.img"
#define LOOP_DEV "/dev/loop0"
#define DELAY_DEV "/dev/pinlab-delay"
#define DM_NAME "pinlab-delay"
#define MAX_WORKERS 64
#define LINE_MAX_LEN 8192

static int g_delay_ms = 300;
// The worker's slot in the agent's table: names the dm gates the worker may use (a slot has one
// worker at a time, so its gates are never shared).
static int g_slot = 0;

// ---------------------------------------------------------------- small helpers

// The byte the backing disk holds at offset `o`: never 0 and never 0xEE (the buffer fill), so
// "the buffer holds the disk's data" is an exact test.
static unsigned char disk_pattern(uint64_t o) {
  unsigned v = (unsigned)(((o / 512) * 7 + (o % 512)) % 233) + 1;
  return (unsigned char)v;
}

static long long now_us(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (long long)ts.tv_sec * 1000000LL + ts.tv_nsec / 1000;
}

static void sleep_ms(int ms) {
  struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
  while (nanosleep(&ts, &ts) < 0 && errno == EINTR) {
  }
}

static int write_all(int fd, const char *buf, size_t len) {
  while (len > 0) {
    ssize_t n = write(fd, buf, len);
    if (n < 0) {
      if (errno == EINTR) continue;
      return -1;
    }
    buf += n;
    len -= (size_t)n;
  }
  return 0;
}

// Result text built by a worker: a JSON object body, appended field by field.
struct out {
  char buf[LINE_MAX_LEN];
  size_t len;
};

static void outf(struct out *o, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(o->buf + o->len, sizeof o->buf - o->len, fmt, ap);
  va_end(ap);
  if (n > 0) o->len += (size_t)n < sizeof o->buf - o->len ? (size_t)n : sizeof o->buf - o->len - 1;
}
static void out_int(struct out *o, const char *k, long long v) { outf(o, "%s\"%s\":%lld", o->len > 1 ? "," : "", k, v); }
static void out_bool(struct out *o, const char *k, int v) { outf(o, "%s\"%s\":%s", o->len > 1 ? "," : "", k, v ? "true" : "false"); }
static void out_str(struct out *o, const char *k, const char *v) { outf(o, "%s\"%s\":\"%s\"", o->len > 1 ? "," : "", k, v); }

// ---------------------------------------------------------------- request parsing
// Requests are flat JSON objects; values are strings (no escapes needed by the host), integers
// or booleans. Enough for the host's encoder in src/protocol.ts, which never sends more.

#define MAX_FIELDS 32
struct req {
  int n;
  char key[MAX_FIELDS][32];
  char val[MAX_FIELDS][2048];
};

static int parse_req(const char *s, struct req *r) {
  r->n = 0;
  while (*s == ' ') s++;
  if (*s++ != '{') return -1;
  for (;;) {
    while (*s == ' ' || *s == ',') s++;
    if (*s == '}') return 0;
    if (*s++ != '"' || r->n >= MAX_FIELDS) return -1;
    size_t k = 0;
    while (*s && *s != '"' && k < 31) r->key[r->n][k++] = *s++;
    r->key[r->n][k] = 0;
    if (*s++ != '"') return -1;
    while (*s == ' ') s++;
    if (*s++ != ':') return -1;
    while (*s == ' ') s++;
    size_t v = 0;
    if (*s == '"') {
      s++;
      while (*s && *s != '"' && v < 2047) {
        if (*s == '\\' && s[1]) s++;
        r->val[r->n][v++] = *s++;
      }
      if (*s++ != '"') return -1;
    } else {
      while (*s && *s != ',' && *s != '}' && v < 2047) r->val[r->n][v++] = *s++;
    }
    r->val[r->n][v] = 0;
    r->n++;
  }
}

static const char *req_str(const struct req *r, const char *k, const char *dflt) {
  for (int i = 0; i < r->n; i++)
    if (strcmp(r->key[i], k) == 0) return r->val[i];
  return dflt;
}
static long long req_int(const struct req *r, const char *k, long long dflt) {
  const char *v = req_str(r, k, NULL);
  return v ? strtoll(v, NULL, 0) : dflt;
}

// Comma-separated integer list ("0,3,4096") -> array; returns the count.
static int int_list(const char *s, long long *out, int max) {
  int n = 0;
  while (s && *s && n < max) {
    out[n++] = strtoll(s, (char **)&s, 0);
    if (*s == ',') s++;
  }
  return n;
}

// ---------------------------------------------------------------- /proc/vmstat pin counters

struct pins {
  long long acquired, released;
};

// nr_foll_pin_* are per-CPU batched vmstat items: writing stat_refresh folds them first, or a
// delta can miss pins still sitting in a CPU's diff (kernel-facts.md).
static int read_pins(struct pins *p) {
  int fd = open("/proc/sys/vm/stat_refresh", O_WRONLY);
  if (fd >= 0) {
    if (write(fd, "1", 1) < 0) { /* EINVAL is returned when a counter went negative; still folded */
    }
    close(fd);
  }
  FILE *f = fopen("/proc/vmstat", "r");
  if (!f) return -1;
  char name[64];
  long long v;
  p->acquired = p->released = -1;
  while (fscanf(f, "%63s %lld", name, &v) == 2) {
    if (strcmp(name, "nr_foll_pin_acquired") == 0) p->acquired = v;
    if (strcmp(name, "nr_foll_pin_released") == 0) p->released = v;
  }
  fclose(f);
  return p->acquired < 0 ? -1 : 0;
}

static void out_pin_delta(struct out *o, const char *prefix, const struct pins *a, const struct pins *b) {
  char k[64];
  snprintf(k, sizeof k, "%sPinAcquired", prefix);
  out_int(o, k, b->acquired - a->acquired);
  snprintf(k, sizeof k, "%sPinReleased", prefix);
  out_int(o, k, b->released - a->released);
}

// ---------------------------------------------------------------- Linux AIO (raw syscalls)

static long sys_io_setup(unsigned nr, aio_context_t *ctx) { return syscall(SYS_io_setup, nr, ctx); }
static long sys_io_submit(aio_context_t ctx, long n, struct iocb **iocbs) { return syscall(SYS_io_submit, ctx, n, iocbs); }
static long sys_io_getevents(aio_context_t ctx, long min, long max, struct io_event *ev, struct timespec *ts) {
  return syscall(SYS_io_getevents, ctx, min, max, ev, ts);
}
static long sys_io_destroy(aio_context_t ctx) { return syscall(SYS_io_destroy, ctx); }

// ---------------------------------------------------------------- io_uring (raw syscalls)

struct uring {
  int fd;
  unsigned *sq_tail, *sq_mask, *sq_array, *cq_head, *cq_tail, *cq_mask;
  struct io_uring_sqe *sqes;
  struct io_uring_cqe *cqes;
};

static int uring_init(struct uring *u, unsigned entries) {
  struct io_uring_params p;
  memset(&p, 0, sizeof p);
  u->fd = (int)syscall(__NR_io_uring_setup, entries, &p);
  if (u->fd < 0) return -1;
  size_t sq_len = p.sq_off.array + p.sq_entries * sizeof(unsigned);
  size_t cq_len = p.cq_off.cqes + p.cq_entries * sizeof(struct io_uring_cqe);
  if (p.features & IORING_FEAT_SINGLE_MMAP) sq_len = cq_len = sq_len > cq_len ? sq_len : cq_len;
  char *sq = mmap(NULL, sq_len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, u->fd, IORING_OFF_SQ_RING);
  if (sq == MAP_FAILED) return -1;
  char *cq = sq;
  if (!(p.features & IORING_FEAT_SINGLE_MMAP)) {
    cq = mmap(NULL, cq_len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, u->fd, IORING_OFF_CQ_RING);
    if (cq == MAP_FAILED) return -1;
  }
  u->sqes = mmap(NULL, p.sq_entries * sizeof(struct io_uring_sqe), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE,
                 u->fd, IORING_OFF_SQES);
  if (u->sqes == MAP_FAILED) return -1;
  u->sq_tail = (unsigned *)(sq + p.sq_off.tail);
  u->sq_mask = (unsigned *)(sq + p.sq_off.ring_mask);
  u->sq_array = (unsigned *)(sq + p.sq_off.array);
  u->cq_head = (unsigned *)(cq + p.cq_off.head);
  u->cq_tail = (unsigned *)(cq + p.cq_off.tail);
  u->cq_mask = (unsigned *)(cq + p.cq_off.ring_mask);
  u->cqes = (struct io_uring_cqe *)(cq + p.cq_off.cqes);
  return 0;
}

static int uring_submit_rw(struct uring *u, int opcode, int fd, void *buf, unsigned len, uint64_t off, int buf_index) {
  unsigned tail = *u->sq_tail;
  unsigned idx = tail & *u->sq_mask;
  struct io_uring_sqe *sqe = &u->sqes[idx];
  memset(sqe, 0, sizeof *sqe);
  sqe->opcode = (uint8_t)opcode;
  sqe->fd = fd;
  sqe->addr = (uint64_t)(uintptr_t)buf;
  sqe->len = len;
  sqe->off = off;
  sqe->buf_index = (uint16_t)buf_index;
  u->sq_array[idx] = idx;
  __atomic_store_n(u->sq_tail, tail + 1, __ATOMIC_RELEASE);
  return (int)syscall(__NR_io_uring_enter, u->fd, 1, 0, 0, NULL, 0);
}

// Returns 1 and the result if a completion is there (waiting when `wait`), 0 if none.
static int uring_reap(struct uring *u, int wait, int *res) {
  for (;;) {
    unsigned head = *u->cq_head;
    if (head != __atomic_load_n(u->cq_tail, __ATOMIC_ACQUIRE)) {
      *res = u->cqes[head & *u->cq_mask].res;
      __atomic_store_n(u->cq_head, head + 1, __ATOMIC_RELEASE);
      return 1;
    }
    if (!wait) return 0;
    if (syscall(__NR_io_uring_enter, u->fd, 0, 1, IORING_ENTER_GETEVENTS, NULL, 0) < 0 && errno != EINTR) return -1;
  }
}

// ---------------------------------------------------------------- device setup (loop + dm-delay)

static void dm_ioctl_init(struct dm_ioctl *io, size_t size, const char *name) {
  memset(io, 0, sizeof *io);
  io->version[0] = DM_VERSION_MAJOR;
  io->version[1] = 0;
  io->version[2] = 0;
  io->data_size = (uint32_t)size;
  io->data_start = sizeof(struct dm_ioctl);
  snprintf(io->name, sizeof io->name, "%s", name);
}

static int dm_ioctl_call(int ctl, unsigned long cmd, struct dm_ioctl *io, size_t size, const char *name) {
  dm_ioctl_init(io, size, name);
  return ioctl(ctl, cmd, io);
}

// DM_DEV_CREATE `name` (drivers/md/dm-ioctl.c dev_create), its dev_t in *dev: 0. With `reuse`,
// a device of that name that exists already (EBUSY: dm_hash_insert finds the name, left by an
// earlier scenario of this worker slot) is taken as it is, its dev_t from DM_DEV_STATUS: 1.
// -1 with `err` naming the ioctl, the device and the errno (errno kept).
static int dm_create(int ctl, const char *name, int reuse, dev_t *dev, char *err, size_t errlen) {
  union {
    struct dm_ioctl io;
    char raw[4096];
  } u;
  int rc = 0;
  if (dm_ioctl_call(ctl, DM_DEV_CREATE, &u.io, sizeof u, name) < 0) {
    int e = errno;
    if (!reuse || e != EBUSY) return snprintf(err, errlen, "DM_DEV_CREATE %s: %s", name, strerror(e)), errno = e, -1;
    if (dm_ioctl_call(ctl, DM_DEV_STATUS, &u.io, sizeof u, name) < 0) {
      e = errno;
      return snprintf(err, errlen, "DM_DEV_STATUS %s: %s", name, strerror(e)), errno = e, -1;
    }
    rc = 1;
  }
  *dev = (dev_t)u.io.dev;
  return rc;
}

// Loads a one-target table into dm device `name` (`target_type` over sectors 0..sectors-1, its
// constructor's `params`) and resumes the device (DM_DEV_SUSPEND without DM_SUSPEND_FLAG):
// dm-ioctl.c table_load puts the table in the inactive slot, do_resume swaps it in (suspending
// a live device first) and dm_resume -> dm_queue_flush resubmits the bios held while it was
// suspended, now through the new table. 0, or -1 with `err` naming the ioctl, the device, the
// target type and the errno (errno kept).
static int dm_load_table(int ctl, const char *name, const char *target_type, uint64_t sectors, const char *params, char *err, size_t errlen) {
  union {
    struct dm_ioctl io;
    char raw[4096];
  } u;
  dm_ioctl_init(&u.io, sizeof u, name);
  u.io.target_count = 1;
  struct dm_target_spec *spec = (struct dm_target_spec *)(u.raw + sizeof(struct dm_ioctl));
  memset(spec, 0, sizeof *spec);
  spec->length = sectors;  // sector_start 0, next 0: the one target
  snprintf(spec->target_type, sizeof spec->target_type, "%s", target_type);
  // data_size covers the header, the spec and the parameter string with its NUL, padded to 8
  // bytes: dm-ioctl.c populate_table -> next_target -> invalid_str wants the NUL before the end.
  size_t room = sizeof u - sizeof(struct dm_ioctl) - sizeof *spec;
  int plen = snprintf((char *)(spec + 1), room, "%s", params);
  if (plen < 0 || (size_t)plen + 8 > room) return snprintf(err, errlen, "DM_TABLE_LOAD %s %s: parameters too long (%d bytes)", name, target_type, plen), errno = E2BIG, -1;
  u.io.data_size = (uint32_t)(sizeof(struct dm_ioctl) + sizeof *spec + (size_t)((plen + 8) & ~7));
  if (ioctl(ctl, DM_TABLE_LOAD, &u.io) < 0) {
    int e = errno;
    return snprintf(err, errlen, "DM_TABLE_LOAD %s %s: %s", name, target_type, strerror(e)), errno = e, -1;
  }
  if (dm_ioctl_call(ctl, DM_DEV_SUSPEND, &u.io, sizeof u, name) < 0) {
    int e = errno;
    return snprintf(err, errlen, "DM resume %s (%s table loaded): %s", name, target_type, strerror(e)), errno = e, -1;
  }
  return 0;
}

// The backing store: a tmpfs file holding disk_pattern(), on loop0, under a dm-delay target
// that holds every bio for `delay_ms` (drivers/md/dm-delay.c: delay_map queues the bio and a
// timer/worker submits it later). The DIO read's pages therefore stay referenced (6.1) or
// pinned (6.12) across the fork that follows the submission.
static int setup_devices(int delay_ms, char *err, size_t errlen) {
  mkdir("/tmp", 0755);
  int fd = open(DISK_PATH, O_RDWR | O_CREAT | O_TRUNC, 0600);
  if (fd < 0) return snprintf(err, errlen, "open %s: %s", DISK_PATH, strerror(errno)), -1;
  // disk_pattern() repeats every 233 sectors ((sector * 7) % 233): build one period and write
  // it over and over. Computing the 4 MiB byte by byte (a division and two modulos per byte)
  // took 6 s of a 40 s boot under TCG on a loaded machine.
  static unsigned char period[233 * 512];
  for (size_t i = 0; i < sizeof period; i++) period[i] = disk_pattern(i);
  for (uint64_t off = 0; off < DISK_BYTES; off += sizeof period) {
    size_t n = DISK_BYTES - off < sizeof period ? (size_t)(DISK_BYTES - off) : sizeof period;
    if (pwrite(fd, period, n, (off_t)off) != (ssize_t)n) return snprintf(err, errlen, "fill disk: %s", strerror(errno)), -1;
  }
  int loop = open(LOOP_DEV, O_RDWR);
  if (loop < 0) return snprintf(err, errlen, "open %s: %s (loop module loaded?)", LOOP_DEV, strerror(errno)), -1;
  if (ioctl(loop, LOOP_SET_FD, fd) < 0) return snprintf(err, errlen, "LOOP_SET_FD: %s", strerror(errno)), -1;
  close(fd);
  struct stat st;
  if (fstat(loop, &st) < 0) return snprintf(err, errlen, "fstat loop: %s", strerror(errno)), -1;
  close(loop);

  int ctl = open("/dev/mapper/control", O_RDWR);
  if (ctl < 0) return snprintf(err, errlen, "open /dev/mapper/control: %s (dm-mod loaded?)", strerror(errno)), -1;
  dev_t dmdev;
  if (dm_create(ctl, DM_NAME, 0, &dmdev, err, errlen) < 0) return -1;
  char params[256];
  snprintf(params, sizeof params, "%u:%u 0 %d", major(st.st_rdev), minor(st.st_rdev), delay_ms);
  if (dm_load_table(ctl, DM_NAME, "delay", DISK_BYTES / 512, params, err, errlen) < 0) {
    size_t n = strlen(err);
    if (strncmp(err, "DM_TABLE_LOAD", 13) == 0) snprintf(err + n, errlen - n, " (dm-delay loaded?)");
    return -1;
  }
  close(ctl);
  unlink(DELAY_DEV);
  if (mknod(DELAY_DEV, S_IFBLK | 0600, dmdev) < 0) return snprintf(err, errlen, "mknod %s: %s", DELAY_DEV, strerror(errno)), -1;
  return 0;
}

static void *page_buffer(size_t pages) {
  void *p = mmap(NULL, pages * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) return NULL;
  memset(p, 0xEE, pages * PAGE);  // present, private, written anon pages: what a DIO buffer is
  return p;
}

static int holds_disk_data(const unsigned char *buf, size_t len, uint64_t disk_off) {
  for (size_t i = 0; i < len; i++)
    if (buf[i] != disk_pattern(disk_off + i)) return 0;
  return 1;
}

// ---------------------------------------------------------------- op: fork_race
// ForkRace: an O_DIRECT read through dm-delay, a fork while the bio is held, a write by the
// parent or the child to another byte of the same page, then completion: who sees the data.
// mm/memory.c copy_present_pte(): a page that may be DMA-pinned in an mm with MMF_HAS_PINNED
// is copied for the child at fork; a page held only by FOLL_GET refs is shared COW, and the
// parent's write then moves the parent to a new page (the DMA lands in the child's page).

static int op_fork_race(const struct req *r, struct out *o, char *err, size_t errlen) {
  const char *engine = req_str(r, "engine", "aio");  // aio | uring | uring_fixed
  const char *writer = req_str(r, "writer", "parent");  // parent | child | none
  long long size = req_int(r, "size", 512);
  long long boff = req_int(r, "bufOffset", 0);
  long long woff = req_int(r, "writeOffset", -1);
  long long disk_off = req_int(r, "diskOffset", 0);
  // io_uring's first, non-blocking attempt fails on dm (no REQ_NOWAIT support) and the read is
  // punted to an io-wq worker, which does the GUP there: fork before that GUP and the page the
  // worker grabs is the parent's post-fork copy, so there is no race to see. Give the worker
  // time; Linux AIO submits (and gets the pages) inside io_submit.
  int pre_fork_ms = (int)req_int(r, "preForkMs", strncmp(engine, "uring", 5) == 0 ? 150 : 5);
  if (size <= 0 || size % 512 || boff % 512 || boff + size > 16 * PAGE) return snprintf(err, errlen, "fork_race: size/bufOffset must be 512-aligned within 16 pages"), -1;
  if (woff < 0) woff = (boff + size) % PAGE ? boff + size : (boff > 0 ? boff - 1 : -1);
  if (woff < 0 && strcmp(writer, "none") != 0) return snprintf(err, errlen, "fork_race: no byte of the page lies outside the read"), -1;
  size_t pages = (size_t)((boff + size + PAGE - 1) / PAGE);
  unsigned char *buf = page_buffer(pages);
  if (!buf) return snprintf(err, errlen, "mmap: %s", strerror(errno)), -1;
  // direct 0: a buffered read (the kiocb without IOCB_DIRECT: blkdev_read_iter -> filemap_read
  // copies from the page cache, nothing pinned). The range is dropped from the cache first
  // (POSIX_FADV_DONTNEED: mm/fadvise.c -> mapping_try_invalidate) so the read goes to dm-delay.
  int direct = (int)req_int(r, "direct", 1);
  // unmap 1: the parent munmaps the buffer after the fork, before the read completes (writer
  // none): a buffered io_uring read copies at completion, into no mapping (-EFAULT).
  int unmap = (int)req_int(r, "unmap", 0);
  if (unmap && strcmp(writer, "none") != 0) return snprintf(err, errlen, "fork_race: unmap needs writer none"), -1;
  int fd = open(DELAY_DEV, O_RDONLY | (direct ? O_DIRECT : 0));
  if (fd < 0) return snprintf(err, errlen, "open %s%s: %s", DELAY_DEV, direct ? " O_DIRECT" : "", strerror(errno)), -1;
  if (!direct && posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED) != 0) return snprintf(err, errlen, "posix_fadvise DONTNEED failed"), -1;

  aio_context_t ctx = 0;
  struct uring u;
  int use_uring = strncmp(engine, "uring", 5) == 0;
  int fixed = strcmp(engine, "uring_fixed") == 0;
  if (use_uring) {
    if (uring_init(&u, 8) < 0) return snprintf(err, errlen, "io_uring_setup: %s", strerror(errno)), -1;
    if (fixed) {
      struct iovec iov = {buf, pages * PAGE};
      if (syscall(__NR_io_uring_register, u.fd, IORING_REGISTER_BUFFERS, &iov, 1) < 0) return snprintf(err, errlen, "IORING_REGISTER_BUFFERS: %s", strerror(errno)), -1;
    }
  } else if (strcmp(engine, "aio") == 0) {
    if (sys_io_setup(8, &ctx) < 0) return snprintf(err, errlen, "io_setup: %s", strerror(errno)), -1;
  } else {
    return snprintf(err, errlen, "fork_race: unknown engine %s", engine), -1;
  }

  int to_child[2], from_child[2];
  if (pipe(to_child) < 0 || pipe(from_child) < 0) return snprintf(err, errlen, "pipe: %s", strerror(errno)), -1;

  long long t_submit = now_us();
  if (use_uring) {
    if (uring_submit_rw(&u, fixed ? IORING_OP_READ_FIXED : IORING_OP_READ, fd, buf + boff, (unsigned)size, (uint64_t)disk_off, 0) < 0) return snprintf(err, errlen, "io_uring_enter: %s", strerror(errno)), -1;
  } else {
    struct iocb cb;
    memset(&cb, 0, sizeof cb);
    cb.aio_lio_opcode = IOCB_CMD_PREAD;
    cb.aio_fildes = (uint32_t)fd;
    cb.aio_buf = (uint64_t)(uintptr_t)(buf + boff);
    cb.aio_nbytes = (uint64_t)size;
    cb.aio_offset = disk_off;
    struct iocb *cbs[1] = {&cb};
    if (sys_io_submit(ctx, 1, cbs) != 1) return snprintf(err, errlen, "io_submit: %s", strerror(errno)), -1;
  }
  // io_uring may punt the read to an io-wq worker; give it time to reach the block layer.
  sleep_ms(pre_fork_ms);

  pid_t child = fork();
  if (child < 0) return snprintf(err, errlen, "fork: %s", strerror(errno)), -1;
  if (child == 0) {
    if (strcmp(writer, "child") == 0) buf[woff] = 0;
    char go;
    if (read(to_child[0], &go, 1) != 1) _exit(2);
    char seen = holds_disk_data(buf + boff, (size_t)size, (uint64_t)disk_off) ? 'Y' : 'N';
    if (write(from_child[1], &seen, 1) != 1) _exit(3);
    _exit(0);
  }
  long long t_fork = now_us();
  if (strcmp(writer, "parent") == 0) buf[woff] = 0;
  if (unmap && munmap(buf, pages * PAGE) < 0) return snprintf(err, errlen, "munmap: %s", strerror(errno)), -1;
  // Was the read still in flight once fork returned? If not the experiment did not race.
  int res = 0, done_early = 0;
  if (use_uring) {
    done_early = uring_reap(&u, 0, &res) == 1;
    if (!done_early && uring_reap(&u, 1, &res) < 0) return snprintf(err, errlen, "io_uring wait: %s", strerror(errno)), -1;
  } else {
    struct io_event ev;
    struct timespec zero = {0, 0};
    done_early = sys_io_getevents(ctx, 0, 1, &ev, &zero) == 1;
    if (!done_early && sys_io_getevents(ctx, 1, 1, &ev, NULL) != 1) return snprintf(err, errlen, "io_getevents: %s", strerror(errno)), -1;
    res = (int)ev.res;
  }
  long long t_done = now_us();
  int parent_sees = !unmap && holds_disk_data(buf + boff, (size_t)size, (uint64_t)disk_off);
  char seen = '?';
  if (write(to_child[1], "g", 1) != 1 || read(from_child[0], &seen, 1) != 1) seen = '?';
  int status;
  waitpid(child, &status, 0);
  if (use_uring && fixed) syscall(__NR_io_uring_register, u.fd, IORING_UNREGISTER_BUFFERS, NULL, 0);
  if (!use_uring) sys_io_destroy(ctx);
  out_str(o, "engine", engine);
  out_str(o, "writer", writer);
  out_bool(o, "direct", direct);
  out_bool(o, "unmapped", unmap);
  out_int(o, "res", res);
  out_bool(o, "inFlightAtFork", !done_early);
  out_bool(o, "parentSeesData", parent_sees);
  out_bool(o, "childSeesData", seen == 'Y');
  out_int(o, "forkAfterSubmitUs", t_fork - t_submit);
  out_int(o, "completionUs", t_done - t_submit);
  return 0;
}

// ---------------------------------------------------------------- op: dio (pin deltas)
// PinUnpin: one O_DIRECT read or write on the block device (loop0, no delay) from an anon
// buffer at an in-page offset; the pin counter deltas around it. 6.1 block DIO
// (block/bio.c bio_iov_iter_get_pages -> iov_iter_get_pages2, FOLL_GET) pins nothing; 6.12
// (iov_iter_extract_pages -> pin_user_pages_fast, BIO_PAGE_PINNED) pins one per page.

static int op_dio(const struct req *r, struct out *o, char *err, size_t errlen) {
  const char *dir = req_str(r, "dir", "read");
  const char *engine = req_str(r, "engine", "sync");
  long long size = req_int(r, "size", 4096);
  long long boff = req_int(r, "bufOffset", 0);
  long long disk_off = req_int(r, "diskOffset", 0);
  int is_write = strcmp(dir, "write") == 0;
  if (size < 0 || boff < 0 || boff + size > 256 * PAGE) return snprintf(err, errlen, "dio: size/bufOffset out of range"), -1;
  if (is_write && disk_off < (long long)(DISK_BYTES / 2)) return snprintf(err, errlen, "dio: writes must target the upper half of the disk (diskOffset >= %u)", DISK_BYTES / 2), -1;
  size_t pages = (size_t)((boff + size + PAGE - 1) / PAGE);
  if (pages == 0) pages = 1;
  unsigned char *buf = page_buffer(pages);
  if (!buf) return snprintf(err, errlen, "mmap: %s", strerror(errno)), -1;
  if (is_write)
    for (long long i = 0; i < size; i++) buf[boff + i] = disk_pattern((uint64_t)(disk_off + i));
  int fd = open(LOOP_DEV, (is_write ? O_WRONLY : O_RDONLY) | O_DIRECT);
  if (fd < 0) return snprintf(err, errlen, "open %s O_DIRECT: %s", LOOP_DEV, strerror(errno)), -1;
  struct uring u;
  aio_context_t ctx = 0;
  if (strcmp(engine, "uring") == 0 && uring_init(&u, 4) < 0) return snprintf(err, errlen, "io_uring_setup: %s", strerror(errno)), -1;
  if (strcmp(engine, "aio") == 0 && sys_io_setup(4, &ctx) < 0) return snprintf(err, errlen, "io_setup: %s", strerror(errno)), -1;
  struct pins a, b;
  if (read_pins(&a) < 0) return snprintf(err, errlen, "no nr_foll_pin_acquired in /proc/vmstat"), -1;
  long long res;
  if (strcmp(engine, "sync") == 0) {
    res = is_write ? pwrite(fd, buf + boff, (size_t)size, disk_off) : pread(fd, buf + boff, (size_t)size, disk_off);
    if (res < 0) res = -errno;
  } else if (strcmp(engine, "uring") == 0) {
    int rr = 0;
    uring_submit_rw(&u, is_write ? IORING_OP_WRITE : IORING_OP_READ, fd, buf + boff, (unsigned)size, (uint64_t)disk_off, 0);
    uring_reap(&u, 1, &rr);
    res = rr;
  } else if (strcmp(engine, "aio") == 0) {
    struct iocb cb;
    memset(&cb, 0, sizeof cb);
    cb.aio_lio_opcode = is_write ? IOCB_CMD_PWRITE : IOCB_CMD_PREAD;
    cb.aio_fildes = (uint32_t)fd;
    cb.aio_buf = (uint64_t)(uintptr_t)(buf + boff);
    cb.aio_nbytes = (uint64_t)size;
    cb.aio_offset = disk_off;
    struct iocb *cbs[1] = {&cb};
    struct io_event ev;
    if (sys_io_submit(ctx, 1, cbs) != 1) res = -errno;
    else res = sys_io_getevents(ctx, 1, 1, &ev, NULL) == 1 ? (long long)ev.res : -errno;
  } else {
    return snprintf(err, errlen, "dio: unknown engine %s", engine), -1;
  }
  read_pins(&b);
  out_str(o, "dir", dir);
  out_str(o, "engine", engine);
  out_int(o, "res", res);
  out_int(o, "pages", (long long)((boff % PAGE + size + PAGE - 1) / PAGE));
  out_pin_delta(o, "", &a, &b);
  if (!is_write && res > 0) out_bool(o, "dataOk", holds_disk_data(buf + boff, (size_t)res, (uint64_t)disk_off));
  return 0;
}

// ---------------------------------------------------------------- op: uring_register
// io_uring fixed buffers: io_sqe_buffer_register -> pin_user_pages(FOLL_WRITE|FOLL_LONGTERM);
// unregister unpins (io_buffer_unmap -> unpin_user_page).
static int op_uring_register(const struct req *r, struct out *o, char *err, size_t errlen) {
  long long npages = req_int(r, "pages", 1);
  if (npages <= 0 || npages > 256) return snprintf(err, errlen, "uring_register: pages must be 1..256"), -1;
  unsigned char *buf = page_buffer((size_t)npages);
  struct uring u;
  if (!buf || uring_init(&u, 4) < 0) return snprintf(err, errlen, "io_uring_setup: %s", strerror(errno)), -1;
  struct iovec iov = {buf, (size_t)npages * PAGE};
  struct pins a, b, c;
  read_pins(&a);
  long reg = syscall(__NR_io_uring_register, u.fd, IORING_REGISTER_BUFFERS, &iov, 1);
  if (reg < 0) return snprintf(err, errlen, "IORING_REGISTER_BUFFERS: %s", strerror(errno)), -1;
  read_pins(&b);
  long unreg = syscall(__NR_io_uring_register, u.fd, IORING_UNREGISTER_BUFFERS, NULL, 0);
  if (unreg < 0) return snprintf(err, errlen, "IORING_UNREGISTER_BUFFERS: %s", strerror(errno)), -1;
  read_pins(&c);
  out_int(o, "pages", npages);
  out_pin_delta(o, "register", &a, &b);
  out_pin_delta(o, "unregister", &b, &c);
  return 0;
}

// ---------------------------------------------------------------- op: vmsplice
// fs/splice.c vmsplice_to_pipe -> iter_to_pipe -> iov_iter_get_pages2: page refs, not pins.
static int op_vmsplice(const struct req *r, struct out *o, char *err, size_t errlen) {
  long long size = req_int(r, "size", 4096);
  long long boff = req_int(r, "bufOffset", 0);
  if (size <= 0 || boff < 0 || boff + size > 16 * PAGE) return snprintf(err, errlen, "vmsplice: size/bufOffset out of range"), -1;
  unsigned char *buf = page_buffer(16);
  int p[2];
  if (!buf || pipe(p) < 0) return snprintf(err, errlen, "setup: %s", strerror(errno)), -1;
  fcntl(p[0], F_SETPIPE_SZ, 1 << 20);
  struct iovec iov = {buf + boff, (size_t)size};
  struct pins a, b, c;
  read_pins(&a);
  ssize_t n = vmsplice(p[1], &iov, 1, 0);
  if (n < 0) return snprintf(err, errlen, "vmsplice: %s", strerror(errno)), -1;
  read_pins(&b);
  buf[boff] = 0x11;  // the pipe references the user page itself: a later write shows through
  static unsigned char sink[16 * PAGE];
  ssize_t got = read(p[0], sink, sizeof sink);
  read_pins(&c);
  out_int(o, "res", n);
  out_int(o, "drained", got);
  out_bool(o, "pipeSharesPage", got > 0 && sink[0] == 0x11);
  out_pin_delta(o, "splice", &a, &b);
  out_pin_delta(o, "drain", &b, &c);
  return 0;
}

// ---------------------------------------------------------------- op: rwv (preadv/pwritev)
// IterCursor: a vectored read or write with zero-length and odd-sized segments over a file
// of `fileSize` bytes (tmpfs, buffered) or the block device (O_DIRECT). Reports the return
// value and the bytes each segment received (lib/iov_iter.c copy_page_to_iter / iterate_iovec
// skip empty segments and stop at the short count).
static int op_rwv(const struct req *r, struct out *o, char *err, size_t errlen) {
  const char *dir = req_str(r, "dir", "read");
  const char *file = req_str(r, "file", "tmpfs");  // tmpfs | bdev
  long long segs[64];
  int nseg = int_list(req_str(r, "segs", ""), segs, 64);
  long long off = req_int(r, "offset", 0);
  long long fsize = req_int(r, "fileSize", 8192);
  int is_write = strcmp(dir, "write") == 0;
  int direct = strcmp(file, "bdev") == 0;
  long long total = 0;
  for (int i = 0; i < nseg; i++) {
    if (segs[i] < 0 || segs[i] > 1 << 20) return snprintf(err, errlen, "rwv: segment %d length %lld out of range", i, segs[i]), -1;
    total += segs[i];
  }
  size_t pages = (size_t)((total + (nseg + 1) * 512 + PAGE - 1) / PAGE) + 1;
  unsigned char *buf = page_buffer(pages);
  if (!buf) return snprintf(err, errlen, "mmap: %s", strerror(errno)), -1;
  struct iovec iov[64];
  size_t pos = 0;
  for (int i = 0; i < nseg; i++) {
    iov[i].iov_base = buf + pos;
    iov[i].iov_len = (size_t)segs[i];
    pos += (size_t)segs[i];
    if (direct) pos = (pos + 511) & ~(size_t)511;
  }
  int fd;
  long long base = 0;
  if (direct) {
    fd = open(LOOP_DEV, (is_write ? O_WRONLY : O_RDONLY) | O_DIRECT);
    if (is_write) base = DISK_BYTES / 2 + (getpid() % 64) * 65536;
  } else {
    char path[64];
    snprintf(path, sizeof path, "/tmp/rwv-%d", getpid());
    fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
    static unsigned char fill[1 << 16];
    if (fd >= 0 && fsize > 0) {
      if (fsize > (long long)sizeof fill) return snprintf(err, errlen, "rwv: fileSize at most %zu", sizeof fill), -1;
      for (long long i = 0; i < fsize; i++) fill[i] = disk_pattern((uint64_t)i);
      if (pwrite(fd, fill, (size_t)fsize, 0) != fsize) return snprintf(err, errlen, "rwv fill: %s", strerror(errno)), -1;
    }
    unlink(path);
  }
  if (fd < 0) return snprintf(err, errlen, "rwv open: %s", strerror(errno)), -1;
  if (is_write)
    for (int i = 0, at = 0; i < nseg; i++)
      for (long long j = 0; j < segs[i]; j++, at++) ((unsigned char *)iov[i].iov_base)[j] = disk_pattern((uint64_t)(base + off + at));
  ssize_t res = is_write ? pwritev(fd, iov, nseg, base + off) : preadv(fd, iov, nseg, base + off);
  int e = errno;
  out_str(o, "dir", dir);
  out_str(o, "file", file);
  out_int(o, "res", res < 0 ? -e : res);
  // Bytes per segment: reads count the bytes now holding file data; writes read the file back.
  outf(o, ",\"perSegment\":\"");
  long long at = 0;
  for (int i = 0; i < nseg; i++) {
    long long placed = 0;
    if (!is_write) {
      const unsigned char *b = iov[i].iov_base;
      for (long long j = 0; j < segs[i]; j++)
        if (b[j] == disk_pattern((uint64_t)(base + off + at + j))) placed++;
        else break;
    } else {
      long long left = res > 0 ? res - at : 0;
      placed = left <= 0 ? 0 : (left < segs[i] ? left : segs[i]);
    }
    at += segs[i];
    outf(o, "%s%lld", i ? "," : "", placed);
  }
  outf(o, "\"");
  if (!direct) {
    struct stat st;
    fstat(fd, &st);
    out_int(o, "fileSizeAfter", st.st_size);
  }
  return 0;
}

// ---------------------------------------------------------------- op: splice_read
// SplicePipe: splice from a buffered tmpfs file (6.1 generic_file_splice_read via ITER_PIPE,
// 6.12 filemap_splice_read) or an O_DIRECT block device (6.1 ITER_PIPE + blkdev DIO, 6.12
// vfs_splice_read -> copy_splice_read) into a pipe, optionally after truncating the file.
static int op_splice_read(const struct req *r, struct out *o, char *err, size_t errlen) {
  const char *file = req_str(r, "file", "tmpfs");
  long long fsize = req_int(r, "fileSize", 8192);
  long long trunc_to = req_int(r, "truncateTo", -1);
  long long off = req_int(r, "offset", 0);
  long long len = req_int(r, "len", 4096);
  int direct = strcmp(file, "bdev") == 0;
  int fd;
  if (direct) {
    fd = open(LOOP_DEV, O_RDONLY | O_DIRECT);
    if (trunc_to >= 0) return snprintf(err, errlen, "splice_read: a block device cannot be truncated"), -1;
  } else {
    char path[64];
    snprintf(path, sizeof path, "/tmp/splice-%d", getpid());
    fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
    unlink(path);
    static unsigned char fill[1 << 16];
    if (fsize < 0 || fsize > (long long)sizeof fill) return snprintf(err, errlen, "splice_read: fileSize 0..%zu", sizeof fill), -1;
    for (long long i = 0; i < fsize; i++) fill[i] = disk_pattern((uint64_t)i);
    if (fd >= 0 && pwrite(fd, fill, (size_t)fsize, 0) != fsize) return snprintf(err, errlen, "fill: %s", strerror(errno)), -1;
    if (fd >= 0 && trunc_to >= 0 && ftruncate(fd, trunc_to) < 0) return snprintf(err, errlen, "ftruncate: %s", strerror(errno)), -1;
  }
  if (fd < 0) return snprintf(err, errlen, "splice_read open: %s", strerror(errno)), -1;
  int p[2];
  if (pipe(p) < 0) return snprintf(err, errlen, "pipe: %s", strerror(errno)), -1;
  fcntl(p[1], F_SETPIPE_SZ, 1 << 20);
  loff_t pos = off;
  ssize_t n = splice(fd, &pos, p[1], NULL, (size_t)len, SPLICE_F_NONBLOCK);
  int e = errno;
  static unsigned char sink[1 << 20];
  ssize_t got = n > 0 ? read(p[0], sink, sizeof sink) : 0;
  out_str(o, "file", file);
  out_int(o, "res", n < 0 ? -e : n);
  out_int(o, "pipeBytes", got);
  out_bool(o, "dataOk", got <= 0 || holds_disk_data(sink, (size_t)got, (uint64_t)off));
  out_int(o, "posAfter", pos);
  return 0;
}

// ---------------------------------------------------------------- dm "gates"
// A gate is a dm-linear device over loop0 that the worker suspends before submitting a read
// through it: drivers/md/dm.c dm_submit_bio() queues bios that arrive while
// DMF_BLOCK_IO_FOR_SUSPEND is set (queue_io) and dm_resume() -> dm_queue_flush() submits them.
// The read's pages are already held (got or pinned by the DIO path) while it waits, and it
// completes exactly when the gate opens: the order of completions is the scenario's, no timing.

static int gate_create(const char *name, int suspend, char *devpath, size_t pathlen, int *fd_out, char *err, size_t errlen) {
  int ctl = open("/dev/mapper/control", O_RDWR);
  if (ctl < 0) return snprintf(err, errlen, "open /dev/mapper/control: %s", strerror(errno)), -1;
  union {
    struct dm_ioctl io;
    char raw[4096];
  } u;
  struct stat st;
  if (stat(LOOP_DEV, &st) < 0) return close(ctl), snprintf(err, errlen, "stat %s: %s", LOOP_DEV, strerror(errno)), -1;
  dev_t dev;
  // A gate of this worker slot left by an earlier scenario is reused (creating and removing dm
  // devices per scenario costs more than the scenario), resumed in case that one died.
  int made = dm_create(ctl, name, 1, &dev, err, errlen);
  if (made < 0) return close(ctl), -1;
  if (made == 1) {
    dm_ioctl_call(ctl, DM_DEV_SUSPEND, &u.io, sizeof u, name);
  } else {
    char params[128];
    snprintf(params, sizeof params, "%u:%u 0", major(st.st_rdev), minor(st.st_rdev));
    if (dm_load_table(ctl, name, "linear", DISK_BYTES / 512, params, err, errlen) < 0) return close(ctl), -1;
  }
  snprintf(devpath, pathlen, "/tmp/%s", name);
  unlink(devpath);
  if (mknod(devpath, S_IFBLK | 0600, dev) < 0) return close(ctl), snprintf(err, errlen, "mknod %s: %s", devpath, strerror(errno)), -1;
  // Open while the gate is open: the first open of a disk may read it (partition scan after
  // the capacity change), which would wait forever behind a closed gate.
  // Read and write: ForkRace's DioWriteSubmit writes through the gate as DioSubmit reads.
  *fd_out = open(devpath, O_RDWR | O_DIRECT);
  if (*fd_out < 0) return close(ctl), snprintf(err, errlen, "open %s: %s", devpath, strerror(errno)), -1;
  if (suspend) {
    dm_ioctl_init(&u.io, sizeof u, name);
    u.io.flags = DM_SUSPEND_FLAG;
    if (ioctl(ctl, DM_DEV_SUSPEND, &u.io) < 0) return close(ctl), snprintf(err, errlen, "DM suspend %s: %s", name, strerror(errno)), -1;
  }
  close(ctl);
  return 0;
}

static int gate_open(const char *name) {
  int ctl = open("/dev/mapper/control", O_RDWR);
  if (ctl < 0) return -1;
  struct dm_ioctl io;
  int rc = dm_ioctl_call(ctl, DM_DEV_SUSPEND, &io, sizeof io, name);  // no DM_SUSPEND_FLAG: resume
  close(ctl);
  return rc;
}

// ---------------------------------------------------------------- op: forkrace_script
// Realises a ForkRace scenario (specs/ForkRace.tla) step by step in one worker and reports,
// after every step, which content tags each process sees in each of its two pages:
//   D1/D2  the data of read 1/2 (512 bytes at in-page offset 0 / 1024, from distinct sectors)
//   PW/CW  the byte the parent/child wrote after fork (offset 3000 / 3500)
// Steps (the spec's actions): DioSubmit(io,vpage) = Linux AIO O_DIRECT read through a closed
// gate; FixedRead(io,vpage) = IORING_OP_READ_FIXED on page vpage's registered buffer through a
// closed gate; DioWriteSubmit(io,vpage) = Linux AIO O_DIRECT write of the parent's whole page
// vpage through a closed gate to disk region fr_write_disk(io), which no read uses;
// IoComplete(io) = open the gate, reap (and, for a write, read the region back and tag what the
// device got: observation "written"); Fork; ChildExit = the child _exits (its
// mappings go: exit_mmap), after which it reports no pages (null); Write(proc,vpage);
// RegisterBuffer(vpage) / UnregisterBuffer(vpage) = IORING_(UN)REGISTER_BUFFERS on the page's
// own ring; RegisterOversized(vpage) = IORING_REGISTER_BUFFERS of the page and an iovec over
// 1 GiB (fails -EFAULT after pinning the page, which the unwind unpins), RegisterEmpty(vpage)
// the same call with no iovec (-EINVAL); RegisterSparse(vpage) = IORING_REGISTER_BUFFERS of a
// sparse slot {NULL, 0} and the page (the page is slot 1), RegisterNullBase(vpage) the same and
// {NULL, PAGE} (fails -EFAULT, the unwind unpins the page); Vmsplice(vpage) =
// vmsplice the page into a pipe; VmspliceWhole = vmsplice the
// whole two-page buffer (one iovec) into it, a short one; PipeRead = read it back.
// Request field "advice" (the ForkAdvice constant): NONE, DONTFORK or WIPEONFORK, the madvise
// applied to both pages before the first step; the child reports null where it maps no page.
// Request field "file" (the FileBacked constant): 1 makes the two pages a MAP_PRIVATE mapping of
// a two-page ramfs file, page 0 stored to and page 1 only loaded (fr_file_buffer);
// MadviseWipeFile = madvise(MADV_WIPEONFORK) of that buffer (-EINVAL: anonymous memory only);
// RegisterBuffer of one of its pages: 6.1 refuses the file vma (-EOPNOTSUPP), 6.12 registers.
// Request field "huge" (the HugeBuffer constant): 1 makes the two pages the first two of an
// anonymous transparent huge page (fr_huge_buffer).
// Request field "loaded" (LastPageLoadedOnly, the model's NumPages): 1 leaves page 0 only loaded
// (the zero page) and page 1 untouched, 2 stores to page 0 and leaves page 1 only loaded
// (fr_loaded_buffer).
// Address-space steps (the parent's, before fork as the model has them): Munmap(vpage) =
// munmap(2) of the page; Protect / ProtectNone / Unprotect(vpage) = mprotect(2) PROT_READ /
// PROT_NONE / PROT_READ|PROT_WRITE; MmapPopulate / MmapExists(vpage) = mmap(2) of one anonymous
// page at the page's address with MAP_FIXED_NOREPLACE|MAP_POPULATE, MmapLazy(vpage) the same
// without MAP_POPULATE (a vma, no page); ProtectHole / MadviseHole =
// mprotect(PROT_READ) / madvise(MADV_DONTFORK) of the whole two-page buffer. Read(C,vpage) /
// ReadNoVma(C,vpage) = the child's one-byte load. MunmapMisaligned / ProtectMisaligned /
// MadviseMisaligned / MmapMisaligned(vpage) = munmap / mprotect(PROT_READ) /
// madvise(MADV_DONTFORK) / mmap(MAP_FIXED_NOREPLACE|MAP_POPULATE) of one page from the page's
// address + 1 (-EINVAL). MadviseInvalid / MmapEmpty / MmapTooLong(vpage) = madvise(advice 999)
// of the page, mmap(MAP_FIXED_NOREPLACE|MAP_POPULATE) at it of 0 bytes / of 2^56 bytes (-EINVAL,
// -EINVAL, -ENOMEM).
// Failed steps: a step's syscall that the kernel fails does not end the script; its error is the
// step's observation "err" (the errno's name, "SIGSEGV" for a store or load that faults, caught
// with sigsetjmp/siglongjmp in the process that made it), null when the step succeeded. The
// model says which steps fail (WriteReadOnly, DioSubmitReadOnly, RegisterBusy, VmspliceFull ...
// are the same syscalls as Write, DioSubmit, RegisterBuffer, Vmsplice): the agent makes the
// syscall and reports what the kernel answered. Only the harness's own failures (a gate, the
// child's command pipe, a read that completes with a wrong length) fail the request.

#define FR_STEPS 32
static const int io_off[3] = {0, 0, 1024};
static const uint64_t io_disk[3] = {0, 65536, 131072};
#define PW_OFF 3000
#define CW_OFF 3500
// Where DioWriteSubmit(io) puts the parent's page: the upper half of the disk (op_dio's writes
// go there too, at 3 MiB), one page per io and worker slot, from 2 MiB up (64 slots x 2 ios:
// 2 MiB .. 2.5 MiB), so no read and no other worker's write touches it.
static uint64_t fr_write_disk(int io) {
  return (uint64_t)(DISK_BYTES / 2) + (uint64_t)(g_slot * 2 + (io - 1)) * PAGE;
}

#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE 0x100000  // include/uapi/asm-generic/mman-common.h, since 4.17
#endif
#ifndef F_SETPIPE_SZ
#define F_SETPIPE_SZ 1031
#endif

struct fr_state {
  unsigned char *pages;  // two pages, virtually contiguous
  aio_context_t ctx;
  int dio_fd[3];
  char gate[3][64];
  int io_kind[3];  // 0 idle, 1 DIO (aio), 2 FIXED (ring of vpage), 3 DIOW (aio write)
  int io_vpage[3];
  int io_done[3];
  int io_res[3];
  int io_finished[3];  // its IoComplete ran
  int completing;  // the io IoComplete is reaping: any other completion is early
  int early;       // a read or write completed before its IoComplete step
  struct uring ring[2];
  int ring_ok[2];
  int registered[2];
  int buf_slot[2];  // page v's slot in its ring's buffer table: 1 after RegisterSparse
  pid_t child;
  int child_exited;  // ChildExit ran: no child any more, and none may be forked again
  int to_child, from_child;
  int pipe_fd[2];
  int pipe_made;  // the scenario's one pipe (one page: F_SETPIPE_SZ 4096) exists
  char pipe_seen[32];
  int piped;              // 0 nothing spliced, 1 the pipe holds the page, 2 read back
  char written[3][32];    // tags the device got from write io (IoComplete of a DIOW)
  const char *step_err;   // how the current step failed (errno name, "SIGSEGV"), NULL if it did not
  int file_fd;            // FileBacked: the mapped ramfs file, open for MmapFileExists (0: none)
};

static void tags_of(const unsigned char *page, char *out, size_t outlen) {
  out[0] = 0;
  for (int i = 1; i <= 2; i++)
    if (holds_disk_data(page + io_off[i], 512, io_disk[i])) snprintf(out + strlen(out), outlen - strlen(out), "%sD%d", out[0] ? "," : "", i);
  if (page[PW_OFF] == 'P') snprintf(out + strlen(out), outlen - strlen(out), "%sPW", out[0] ? "," : "");
  if (page[CW_OFF] == 'C') snprintf(out + strlen(out), outlen - strlen(out), "%sCW", out[0] ? "," : "");
}

#ifndef MADV_WIPEONFORK
#define MADV_WIPEONFORK 18
#endif

// The errno names of ForkRace.tla's err field; any other errno is reported by number, so a
// kernel that fails a step differently shows as a mismatch naming what it returned.
static const char *errno_name(int e) {
  switch (e) {
    case EFAULT: return "EFAULT";
    case EBUSY: return "EBUSY";
    case ENXIO: return "ENXIO";
    case EAGAIN: return "EAGAIN";
    case EEXIST: return "EEXIST";
    case ENOMEM: return "ENOMEM";
    case EINVAL: return "EINVAL";
    case EPERM: return "EPERM";
    case EACCES: return "EACCES";
    case EIO: return "EIO";
    case EOPNOTSUPP: return "EOPNOTSUPP";
  }
  static char other[16];
  snprintf(other, sizeof other, "E%d", e);
  return other;
}

// ---- user faults (SIGSEGV) of a store or a load, caught where the process makes it.
// A user access without a vma (arch/x86/mm/fault.c do_user_addr_fault -> bad_area_nosemaphore)
// or against the vma's protection (access_error -> bad_area_access_error) is SIGSEGV; the
// handler jumps back to the access, which then reports it. An unexpected SIGSEGV (not armed)
// kills the process as usual. The child inherits the handler at fork (and its own jmp_buf).
static sigjmp_buf fr_fault_jmp;
static volatile sig_atomic_t fr_fault_armed;

static void fr_segv(int sig) {
  if (fr_fault_armed) {
    fr_fault_armed = 0;
    siglongjmp(fr_fault_jmp, 1);
  }
  signal(sig, SIG_DFL);
  raise(sig);
}

// Stores byte b at p: 0, or -1 when the store faults (SIGSEGV).
static int guarded_store(unsigned char *p, unsigned char b) {
  if (sigsetjmp(fr_fault_jmp, 1)) return -1;
  fr_fault_armed = 1;
  *(volatile unsigned char *)p = b;
  fr_fault_armed = 0;
  return 0;
}

// Loads n bytes from p into dst: 0, or -1 when a load faults (SIGSEGV).
static int guarded_load(unsigned char *dst, const unsigned char *p, size_t n) {
  if (sigsetjmp(fr_fault_jmp, 1)) return -1;
  fr_fault_armed = 1;
  for (size_t i = 0; i < n; i++) dst[i] = ((const volatile unsigned char *)p)[i];
  fr_fault_armed = 0;
  return 0;
}

// Reads a page of this process that a load cannot (PROT_NONE: no VM_READ) through
// /proc/self/mem: fs/proc/base.c mem_rw -> access_remote_vm with FOLL_FORCE (Debian's
// CONFIG_PROC_MEM_ALWAYS_FORCE), which mm/gup.c check_vma_flags lets read a vma without VM_READ
// (VM_MAYREAD stays). A FOLL_GET reference for the copy, dropped at once: no pin, no COW.
static int read_own_mem(unsigned char *dst, const unsigned char *p) {
  int fd = open("/proc/self/mem", O_RDONLY);
  if (fd < 0) return -1;
  ssize_t n = pread(fd, dst, PAGE, (off_t)(uintptr_t)p);
  close(fd);
  return n == PAGE ? 0 : -1;
}

// Tags of a page of this process, or "-" where it maps no page: no vma (munmap, or a fork of a
// MADV_DONTFORK buffer: mincore fails with ENOMEM) or no pte yet (MADV_WIPEONFORK in the child:
// not resident). Reading such a page would fault (SIGSEGV) or map one, so it is not read. A page
// whose load faults (PROT_NONE) is read through /proc/self/mem; "?" if even that fails.
static void view_of(const unsigned char *page, char *out, size_t outlen) {
  unsigned char vec = 0;
  if (mincore((void *)page, PAGE, &vec) != 0 || !(vec & 1)) {
    snprintf(out, outlen, "-");
    return;
  }
  static unsigned char copy[PAGE];
  if (guarded_load(copy, page, PAGE) != 0 && read_own_mem(copy, page) != 0) {
    snprintf(out, outlen, "?");
    return;
  }
  tags_of(copy, out, outlen);
}

// The child obeys one-byte commands: 'w'/'W' write CW into page 0/1, 'r'/'R' load a byte of
// page 0/1 (answer 'k', or 's' when the access faulted: SIGSEGV), 'v' report its views.
static void child_loop(struct fr_state *s, int in, int out) {
  char c;
  while (read(in, &c, 1) == 1) {
    if (c == 'w' || c == 'W' || c == 'r' || c == 'R') {
      unsigned char *at = s->pages + (c == 'W' || c == 'R' ? PAGE : 0) + CW_OFF;
      unsigned char byte;
      int rc = c == 'w' || c == 'W' ? guarded_store(at, 'C') : guarded_load(&byte, at, 1);
      if (write(out, rc == 0 ? "k" : "s", 1) != 1) _exit(3);
    } else if (c == 'v') {
      char a[32], b[32], line[80];
      view_of(s->pages, a, sizeof a);
      view_of(s->pages + PAGE, b, sizeof b);
      int n = snprintf(line, sizeof line, "%s|%s\n", a, b);
      if (write(out, line, (size_t)n) != n) _exit(3);
    } else {
      break;
    }
  }
  _exit(0);
}

// Reaps AIO completions until read `io` has completed (others are recorded as they come; a
// completion of a request other than the one being reaped, s->completing, came early).
static int reap_aio(struct fr_state *s, int io, int wait) {
  while (!s->io_done[io]) {
    struct io_event ev;
    struct timespec zero = {0, 0};
    long n = sys_io_getevents(s->ctx, wait ? 1 : 0, 1, &ev, wait ? NULL : &zero);
    if (n < 0 && errno == EINTR) continue;
    if (n != 1) return wait ? -1 : 0;
    int which = (int)ev.data;
    if (which < 1 || which > 2) return -1;
    s->io_done[which] = 1;
    s->io_res[which] = (int)ev.res;
    if (which != s->completing) s->early = 1;
  }
  return 1;
}

// Scripts are steps joined by ';'. Copies the next non-empty step into `step` (at most len-1
// characters; a longer step continues as the next one) and returns 1, or 0 at the script's end.
static int next_step(const char **p, char *step, size_t len) {
  while (**p) {
    size_t k = 0;
    while (**p && **p != ';' && k < len - 1) step[k++] = *(*p)++;
    step[k] = 0;
    if (**p == ';') (*p)++;
    if (k > 0) return 1;
  }
  return 0;
}

static int step_param(const char *step, const char *key, int dflt) {
  char pat[32];
  snprintf(pat, sizeof pat, ":%s=", key);
  const char *p = strstr(step, pat);
  return p ? atoi(p + strlen(pat)) : dflt;
}
static int step_proc(const char *step) {
  const char *p = strstr(step, ":proc=");
  return p ? p[6] : 'P';
}

static int is(const char *name, const char *a) { return strcmp(name, a) == 0; }

// A request that the kernel failed at submission: io_submit / io_uring_enter itself (errno), or
// its completion posted before the call returned (res < 0: block/fops.c
// __blkdev_direct_IO_async returns bio_iov_iter_get_pages' -EFAULT and fs/aio.c aio_rw_done
// completes the iocb with it; io_uring posts a CQE for a request whose prep or import failed).
// The io stays idle, as the model's failed steps leave it.
static void fr_io_failed(struct fr_state *s, int io, int res) {
  s->step_err = errno_name(-res);
  s->io_kind[io] = 0;
  s->io_done[io] = 0;
  s->io_res[io] = 0;
}

// Linux AIO O_DIRECT of one buffer through gate io: the read of DioSubmit (and
// DioSubmitReadOnly: the same syscall into a read-only page), the write of DioWriteSubmit (and
// DioWriteNoAccess). Returns 0; a failure the kernel reports is the step's err.
static int fr_aio_submit(struct fr_state *s, int io, int write, void *buf, size_t len, uint64_t disk) {
  struct iocb cb;
  memset(&cb, 0, sizeof cb);
  cb.aio_data = (uint64_t)io;
  cb.aio_lio_opcode = write ? IOCB_CMD_PWRITE : IOCB_CMD_PREAD;
  cb.aio_fildes = (uint32_t)s->dio_fd[io];
  cb.aio_buf = (uint64_t)(uintptr_t)buf;
  cb.aio_nbytes = len;
  cb.aio_offset = (int64_t)disk;
  struct iocb *cbs[1] = {&cb};
  s->io_kind[io] = write ? 3 : 1;
  if (sys_io_submit(s->ctx, 1, cbs) != 1) return fr_io_failed(s, io, -errno), 0;
  // Behind a closed gate the request must still be in flight; a completion now is its failure.
  s->completing = io;
  int got = reap_aio(s, io, 0);
  s->completing = 0;
  if (got < 0) return -1;
  if (got == 1 && s->io_res[io] < 0) fr_io_failed(s, io, s->io_res[io]);
  else if (got == 1) s->early = 1;
  return 0;
}

static int fr_step(struct fr_state *s, const char *step, char *err, size_t errlen) {
  char name[32];
  size_t k = 0;
  while (step[k] && step[k] != ':' && k < sizeof name - 1) name[k] = step[k], k++;
  name[k] = 0;
  int io = step_param(step, "io", 1), v = step_param(step, "vpage", 0);
  if (io < 1 || io > 2 || v < 0 || v > 1) return snprintf(err, errlen, "%s: io must be 1..2 and vpage 0..1", step), -1;
  unsigned char *page = s->pages + v * PAGE;
  s->step_err = NULL;
  if (is(name, "Init")) return 0;
  if (is(name, "DioSubmit") || is(name, "DioSubmitReadOnly")) {
    if (s->io_kind[io]) return snprintf(err, errlen, "%s: io %d was already submitted", step, io), -1;
    s->io_vpage[io] = v;
    return fr_aio_submit(s, io, 0, page + io_off[io], 512, io_disk[io]);
  }
  if (is(name, "FixedRead") || is(name, "FixedReadUnregistered") || is(name, "FixedReadOutside")) {
    // IORING_OP_READ_FIXED, page v's buffer on its ring (slot 0, or 1 after RegisterSparse put a
    // sparse slot first). FixedReadOutside addresses the page after
    // the registered one (io_import_fixed: outside the buffer, -EFAULT); FixedReadUnregistered
    // names a ring with no buffer (6.1 io_prep_rw: buf_index >= nr_user_bufs, -EFAULT). Either
    // fails before any I/O: its CQE is posted before io_uring_enter returns.
    if (s->io_kind[io]) return snprintf(err, errlen, "%s: io %d was already submitted", step, io), -1;
    unsigned char *at = (is(name, "FixedReadOutside") ? page + PAGE : page) + io_off[io];
    s->io_kind[io] = 2;
    s->io_vpage[io] = v;
    if (uring_submit_rw(&s->ring[v], IORING_OP_READ_FIXED, s->dio_fd[io], at, 512, io_disk[io], s->buf_slot[v]) < 0) return fr_io_failed(s, io, -errno), 0;
    int res = 0;
    if (uring_reap(&s->ring[v], 0, &res) == 1) {
      if (res < 0) fr_io_failed(s, io, res);
      else s->io_done[io] = 1, s->io_res[io] = res, s->early = 1;
    }
    return 0;
  }
  if (is(name, "DioWriteSubmit") || is(name, "DioWriteNoAccess")) {
    // The write's source is the parent's page: block/fops.c __blkdev_direct_IO(_async) ->
    // bio_iov_iter_get_pages, 6.1: iov_iter_get_pages2 -> get_user_pages_fast without
    // FOLL_WRITE (FOLL_GET: a COW-shared page is taken as it is); 6.12: iov_iter_extract_pages
    // -> pin_user_pages_fast(FOLL_PIN), mm/gup.c gup_must_unshare -> FAULT_FLAG_UNSHARE first.
    // The bio then waits behind the closed gate with the page held until IoComplete. From a
    // PROT_NONE page GUP fails (check_vma_flags: no VM_READ): -EFAULT at once.
    if (s->io_kind[io]) return snprintf(err, errlen, "%s: io %d was already submitted", step, io), -1;
    s->io_vpage[io] = v;
    return fr_aio_submit(s, io, 1, page, PAGE, fr_write_disk(io));
  }
  if (is(name, "IoComplete")) {
    if (!s->io_kind[io] || s->io_finished[io]) return snprintf(err, errlen, "%s: io %d is not in flight", step, io), -1;
    s->io_finished[io] = 1;
    if (gate_open(s->gate[io]) < 0) return snprintf(err, errlen, "%s: resume gate: %s", step, strerror(errno)), -1;
    if (s->io_kind[io] == 2) {
      int res = 0;
      if (!s->io_done[io]) {
        if (uring_reap(&s->ring[s->io_vpage[io]], 1, &res) < 0) return snprintf(err, errlen, "%s: io_uring wait: %s", step, strerror(errno)), -1;
        s->io_done[io] = 1;
        s->io_res[io] = res;
      }
    } else {
      s->completing = io;
      int got = reap_aio(s, io, 1);
      s->completing = 0;
      if (got < 0) return snprintf(err, errlen, "%s: io_getevents: %s", step, strerror(errno)), -1;
    }
    if (s->io_kind[io] == 3) {
      if (s->io_res[io] != PAGE) return snprintf(err, errlen, "%s: write %d returned %d", step, io, s->io_res[io]), -1;
      // What the device got: read the region back (O_DIRECT, through the now open gate) and
      // tag it as a page is tagged (the D1/D2 sectors, the PW/CW bytes).
      static unsigned char back[PAGE] __attribute__((aligned(PAGE)));
      memset(back, 0xEE, sizeof back);
      if (pread(s->dio_fd[io], back, PAGE, (off_t)fr_write_disk(io)) != PAGE) return snprintf(err, errlen, "%s: read back write %d: %s", step, io, strerror(errno)), -1;
      tags_of(back, s->written[io], sizeof s->written[io]);
      return 0;
    }
    if (s->io_res[io] != 512) return snprintf(err, errlen, "%s: read %d returned %d", step, io, s->io_res[io]), -1;
    return 0;
  }
  if (is(name, "Fork")) {
    int a[2], b[2];
    if (s->child || s->child_exited) return snprintf(err, errlen, "Fork: already forked"), -1;
    if (pipe(a) < 0 || pipe(b) < 0) return snprintf(err, errlen, "pipe: %s", strerror(errno)), -1;
    pid_t pid = fork();
    if (pid < 0) return snprintf(err, errlen, "fork: %s", strerror(errno)), -1;
    if (pid == 0) {
      close(a[1]);  // else the child holds its own command pipe open and never sees EOF
      close(b[0]);
      child_loop(s, a[0], b[1]);
    }
    close(a[0]);
    close(b[1]);
    s->child = pid;
    s->to_child = a[1];
    s->from_child = b[0];
    return 0;
  }
  if (is(name, "ChildExit")) {
    // EOF on its command pipe ends child_loop (_exit); reaping it proves its mm is gone.
    if (!s->child) return snprintf(err, errlen, "ChildExit: no child"), -1;
    close(s->to_child);
    close(s->from_child);
    if (waitpid(s->child, NULL, 0) != s->child) return snprintf(err, errlen, "ChildExit: waitpid: %s", strerror(errno)), -1;
    s->child = 0;
    s->child_exited = 1;
    return 0;
  }
  if (is(name, "Write") || is(name, "WriteUnmapped") || is(name, "WriteReadOnly") || is(name, "Read") || is(name, "ReadNoVma")) {
    // A store (Write*: PW by the parent, CW by the child) or a one-byte load (Read*: the child's,
    // where the store would go) by the process named; SIGSEGV when it faults.
    int load = name[0] == 'R';
    if (step_proc(step) == 'P') {
      unsigned char byte;
      int rc = load ? guarded_load(&byte, page + PW_OFF, 1) : guarded_store(page + PW_OFF, 'P');
      if (rc != 0) s->step_err = "SIGSEGV";
      return 0;
    }
    char c = load ? (v ? 'R' : 'r') : (v ? 'W' : 'w'), ack;
    if (!s->child || write(s->to_child, &c, 1) != 1 || read(s->from_child, &ack, 1) != 1) return snprintf(err, errlen, "%s: no (living) child", step), -1;
    if (ack == 's') s->step_err = "SIGSEGV";
    return 0;
  }
  if (is(name, "RegisterBuffer") || is(name, "RegisterUnmapped") || is(name, "RegisterReadOnly") || is(name, "RegisterBusy")) {
    // IORING_REGISTER_BUFFERS of page v on its own ring: io_uring/rsrc.c
    // io_sqe_buffers_register (-EBUSY on a ring with buffers) -> io_sqe_buffer_register ->
    // io_pin_pages (-EFAULT where pin_user_pages(FOLL_WRITE|FOLL_LONGTERM) pins nothing).
    struct iovec iov = {page, PAGE};
    if (syscall(__NR_io_uring_register, s->ring[v].fd, IORING_REGISTER_BUFFERS, &iov, 1) < 0) s->step_err = errno_name(errno);
    else s->registered[v] = 1;
    return 0;
  }
  if (is(name, "RegisterOversized")) {
    // IORING_REGISTER_BUFFERS of two iovecs on page v's ring: the page, then SZ_1G + PAGE bytes
    // from the same address. io_uring/rsrc.c io_sqe_buffers_register (6.1, 6.12) pins the page
    // for iovec 0 (io_sqe_buffer_register -> io_pin_pages, FOLL_WRITE: a shared pte takes the
    // write fault), io_buffer_validate refuses iovec 1 (-EFAULT: over SZ_1G) and the unwind
    // (__io_sqe_buffers_unregister -> io_buffer_unmap) unpins the page: pinsHeld as before.
    struct iovec iov[2] = {{page, PAGE}, {page, (1UL << 30) + PAGE}};
    if (syscall(__NR_io_uring_register, s->ring[v].fd, IORING_REGISTER_BUFFERS, iov, 2) < 0) s->step_err = errno_name(errno);
    else s->registered[v] = 1;
    return 0;
  }
  if (is(name, "RegisterSparse") || is(name, "RegisterNullBase")) {
    // IORING_REGISTER_BUFFERS on page v's ring of a sparse slot {NULL, 0} and the page
    // (RegisterSparse), or of those and then {NULL, PAGE} (RegisterNullBase). io_uring/rsrc.c
    // (6.1, 6.12): io_buffer_validate lets a NULL base with no length through and
    // io_sqe_buffer_register puts the dummy buffer in slot 0 (nothing pinned), the page is slot 1
    // (pinned); a NULL base with a length is -EFAULT, and the unwind goes past the dummy slot
    // and unpins the page (pinsHeld as before). The fixed reads then name slot 1.
    struct iovec iov[3] = {{NULL, 0}, {page, PAGE}, {NULL, PAGE}};
    unsigned nr = is(name, "RegisterSparse") ? 2 : 3;
    if (syscall(__NR_io_uring_register, s->ring[v].fd, IORING_REGISTER_BUFFERS, iov, nr) < 0) s->step_err = errno_name(errno);
    else s->registered[v] = 1, s->buf_slot[v] = 1;
    return 0;
  }
  if (is(name, "RegisterEmpty")) {
    // IORING_REGISTER_BUFFERS with an iovec array and nr_args 0 on page v's ring: -EINVAL from
    // io_sqe_buffers_register's count check, before any iovec is read (6.1, 6.12).
    struct iovec iov = {page, PAGE};
    if (syscall(__NR_io_uring_register, s->ring[v].fd, IORING_REGISTER_BUFFERS, &iov, 0) < 0) s->step_err = errno_name(errno);
    else s->registered[v] = 1;
    return 0;
  }
  if (is(name, "UnregisterBuffer") || is(name, "UnregisterNone")) {
    if (syscall(__NR_io_uring_register, s->ring[v].fd, IORING_UNREGISTER_BUFFERS, NULL, 0) < 0) s->step_err = errno_name(errno);
    else s->registered[v] = 0;
    return 0;
  }
  if (is(name, "Vmsplice") || is(name, "VmspliceUnmapped") || is(name, "VmspliceFull") || is(name, "VmspliceWhole")) {
    // The scenario's one pipe, of one page (F_SETPIPE_SZ 4096: one slot, ForkRace.tla's pipe),
    // and vmsplice(SPLICE_F_NONBLOCK): into a full pipe fs/splice.c vmsplice_to_pipe ->
    // wait_for_space returns -EAGAIN; from an unmapped page iov_iter_get_pages2 -EFAULT.
    // VmspliceWhole: one iovec of the whole two-page buffer into the empty one-slot pipe:
    // iter_to_pipe takes both pages, add_to_pipe adds page 0 and refuses page 1 (pipe_full:
    // -EAGAIN, its reference put), and the call returns what it added ("return total ? total :
    // ret"); the model's pages spliced (step parameter "spliced") are checked against it, and
    // another count is the step's err "SPLICED_<bytes>" (a mismatch naming what the kernel did).
    int whole = is(name, "VmspliceWhole");
    if (!s->pipe_made) {
      if (pipe(s->pipe_fd) < 0) return snprintf(err, errlen, "%s: pipe(): %s", step, strerror(errno)), -1;
      if (fcntl(s->pipe_fd[1], F_SETPIPE_SZ, PAGE) != PAGE) return snprintf(err, errlen, "%s: F_SETPIPE_SZ: %s", step, strerror(errno)), -1;
      s->pipe_made = 1;
    }
    struct iovec iov = {whole ? s->pages : page, whole ? 2 * PAGE : PAGE};
    ssize_t n = vmsplice(s->pipe_fd[1], &iov, 1, SPLICE_F_NONBLOCK);
    ssize_t want = whole ? (ssize_t)step_param(step, "spliced", -1) * PAGE : PAGE;
    if (n < 0) s->step_err = errno_name(errno);
    else if (whole && n != want) {
      static char got[32];
      snprintf(got, sizeof got, "SPLICED_%zd", n);
      s->step_err = got;
      if (n > 0) s->piped = 1;
    } else if (n != PAGE) return snprintf(err, errlen, "%s: vmsplice spliced %zd bytes", step, n), -1;
    else s->piped = 1;
    return 0;
  }
  if (is(name, "PipeRead")) {
    static unsigned char sink[PAGE];
    if (s->piped != 1 || read(s->pipe_fd[0], sink, PAGE) != PAGE) return snprintf(err, errlen, "PipeRead: %s", s->piped == 1 ? strerror(errno) : "nothing spliced"), -1;
    tags_of(sink, s->pipe_seen, sizeof s->pipe_seen);
    s->piped = 2;
    return 0;
  }
  if (is(name, "Munmap")) {
    // mm/mmap.c do_vmi_munmap: the pte goes; a pin or reference of a read in flight, a
    // registered buffer or a pipe buffer keeps the page.
    if (munmap(page, PAGE) < 0) s->step_err = errno_name(errno);
    return 0;
  }
  if (is(name, "Protect") || is(name, "ProtectNone") || is(name, "Unprotect")) {
    int prot = is(name, "Protect") ? PROT_READ : is(name, "Unprotect") ? PROT_READ | PROT_WRITE : PROT_NONE;
    if (mprotect(page, PAGE, prot) < 0) s->step_err = errno_name(errno);
    return 0;
  }
  if (is(name, "MmapPopulate") || is(name, "MmapExists") || is(name, "MmapLazy")) {
    // mmap(MAP_FIXED_NOREPLACE|MAP_POPULATE) of one anonymous page at page v: mm/mmap.c do_mmap
    // fails -EEXIST where a vma is (MmapExists), else maps a new zeroed page, faulted in writable
    // (mm/util.c vm_mmap_pgoff -> mm_populate). An address other than asked is a kernel without
    // MAP_FIXED_NOREPLACE (before 4.17): reported, never kept. MmapLazy: the same without
    // MAP_POPULATE, a vma and no page (vm_mmap_pgoff populates only when do_mmap asks for it);
    // the observation's mincore (view_of) sees no pte there and reads nothing, so nothing
    // faults the page in before a step does.
    int populate = is(name, "MmapLazy") ? 0 : MAP_POPULATE;
    void *m = mmap(page, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE | populate, -1, 0);
    if (m == MAP_FAILED) s->step_err = errno_name(errno);
    else if (m != (void *)page) munmap(m, PAGE), s->step_err = "MAPPED_ELSEWHERE";
    return 0;
  }
  if (is(name, "MunmapMisaligned") || is(name, "ProtectMisaligned") || is(name, "MadviseMisaligned") || is(name, "MmapMisaligned")) {
    // munmap / mprotect(PROT_READ) / madvise(MADV_DONTFORK) / mmap(MAP_FIXED_NOREPLACE|
    // MAP_POPULATE) of one page from the page's address + 1: an address that is not page
    // aligned is -EINVAL before any vma is looked at (6.1 do_mas_munmap, 6.12 do_vmi_munmap;
    // do_mprotect_pkey; do_madvise; do_mmap -> __get_unmapped_area), nothing changes. A mapping
    // made all the same is reported (MAPPED), never kept.
    unsigned char *at = page + 1;
    if (is(name, "MmapMisaligned")) {
      void *m = mmap(at, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE | MAP_POPULATE, -1, 0);
      if (m == MAP_FAILED) s->step_err = errno_name(errno);
      else munmap(m, PAGE), s->step_err = "MAPPED";
      return 0;
    }
    int rc = is(name, "MunmapMisaligned") ? munmap(at, PAGE) : is(name, "ProtectMisaligned") ? mprotect(at, PAGE, PROT_READ) : madvise(at, PAGE, MADV_DONTFORK);
    if (rc < 0) s->step_err = errno_name(errno);
    return 0;
  }
  if (is(name, "MadviseInvalid") || is(name, "MmapEmpty") || is(name, "MmapTooLong")) {
    // madvise(page, PAGE, 999): no kernel defines that advice (mm/madvise.c do_madvise ->
    // madvise_behavior_valid, -EINVAL first of all); mmap(MAP_FIXED_NOREPLACE|MAP_POPULATE) at
    // the page of 0 bytes (do_mmap "if (!len) return -EINVAL;") or of 2^56 bytes, more than
    // TASK_SIZE with 4- or 5-level page tables (get_unmapped_area / __get_unmapped_area "if
    // (len > TASK_SIZE) return -ENOMEM;", before the overlap check's -EEXIST). Nothing changes;
    // a mapping made all the same is reported (MAPPED), never kept.
    if (is(name, "MadviseInvalid")) {
      if (madvise(page, PAGE, 999) < 0) s->step_err = errno_name(errno);
      return 0;
    }
    size_t len = is(name, "MmapEmpty") ? 0 : (size_t)1 << 56;
    void *m = mmap(page, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE | MAP_POPULATE, -1, 0);
    if (m == MAP_FAILED) s->step_err = errno_name(errno);
    else munmap(m, len), s->step_err = "MAPPED";
    return 0;
  }
  if (is(name, "MmapFileExists")) {
    // mmap(page v, PAGE, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_FIXED_NOREPLACE, fd, 0) of the
    // buffer's own file (request file = 1) while page v is mapped: mm/mmap.c do_mmap fails
    // -EEXIST (find_vma_intersection) before it looks at the file; a mapping made all the same
    // is reported (MAPPED_ELSEWHERE or MAPPED), never kept.
    if (s->file_fd <= 0) return snprintf(err, errlen, "MmapFileExists: no file buffer (request file = 1)"), -1;
    void *m = mmap(page, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_FIXED_NOREPLACE, s->file_fd, 0);
    if (m == MAP_FAILED) s->step_err = errno_name(errno);
    else munmap(m, PAGE), s->step_err = m == (void *)page ? "MAPPED" : "MAPPED_ELSEWHERE";
    return 0;
  }
  if (is(name, "MadviseWipeFile")) {
    // madvise(MADV_WIPEONFORK) of the whole buffer, a private file mapping (request file = 1):
    // mm/madvise.c madvise_vma_behavior takes it for anonymous memory only (-EINVAL).
    if (madvise(s->pages, 2 * PAGE, MADV_WIPEONFORK) < 0) s->step_err = errno_name(errno);
    return 0;
  }
  if (is(name, "ProtectHole") || is(name, "MadviseHole")) {
    // The whole two-page buffer over a page munmap took: mm/mprotect.c do_mprotect_pkey /
    // mm/madvise.c madvise_walk_vmas change the mapped part and fail -ENOMEM.
    int rc = is(name, "ProtectHole") ? mprotect(s->pages, 2 * PAGE, PROT_READ) : madvise(s->pages, 2 * PAGE, MADV_DONTFORK);
    if (rc < 0) s->step_err = errno_name(errno);
    return 0;
  }
  return snprintf(err, errlen, "unknown ForkRace step \"%s\"", name), -1;
}

// Pins outstanding since the scenario's start: nr_foll_pin_acquired - nr_foll_pin_released
// moved by this worker's steps (global counters: the host runs these scenarios one at a time).
static struct pins fr_base;
static long long fr_prev_held;

static void out_view(struct out *o, const char *sep, const char *key, const char *view) {
  // "-": the process maps no page there (munmap, ForkAdvice), reported null as the model does.
  if (strcmp(view, "-") == 0) outf(o, "%s\"%s\":null", sep, key);
  else outf(o, "%s\"%s\":\"%s\"", sep, key, view);
}

static void fr_observe(struct fr_state *s, struct out *o, int first) {
  char p0[32], p1[32], line[80] = "|";
  struct pins now;
  read_pins(&now);
  long long held = (now.acquired - fr_base.acquired) - (now.released - fr_base.released);
  view_of(s->pages, p0, sizeof p0);
  view_of(s->pages + PAGE, p1, sizeof p1);
  if (s->child) {
    ssize_t n = 0;
    if (write(s->to_child, "v", 1) == 1) n = read(s->from_child, line, sizeof line - 1);
    line[n > 0 ? n : 0] = 0;
  }
  char *bar = strchr(line, '|');
  char *nl = strchr(line, '\n');
  if (nl) *nl = 0;
  if (bar) *bar = 0;
  outf(o, "%s{", first ? "" : ",");
  out_view(o, "", "P0", p0);
  out_view(o, ",", "P1", p1);
  if (s->child) {
    out_view(o, ",", "C0", line);
    out_view(o, ",", "C1", bar ? bar + 1 : "");
  } else {
    outf(o, ",\"C0\":null,\"C1\":null");
  }
  if (s->piped == 2) outf(o, ",\"pipeSeen\":\"%s\"", s->pipe_seen);
  else outf(o, ",\"pipeSeen\":null");
  if (s->step_err) outf(o, ",\"err\":\"%s\"", s->step_err);
  else outf(o, ",\"err\":null");
  // Reads that completed by themselves before their IoComplete step would make the run
  // meaningless; the gates forbid it, and this proves it.
  for (int i = 1; i <= 2; i++)
    if ((s->io_kind[i] == 1 || s->io_kind[i] == 3) && !s->io_done[i]) reap_aio(s, i, 0);
  // written: "<io>:<tags>" per completed write, ';'-joined (the adapter's format); null if none.
  int nw = 0;
  for (int i = 1; i <= 2; i++) {
    if (s->io_kind[i] != 3 || !s->io_done[i] || s->io_res[i] != PAGE) continue;
    outf(o, nw++ ? ";%d:%s" : ",\"written\":\"%d:%s", i, s->written[i]);
  }
  outf(o, nw ? "\"" : ",\"written\":null");
  outf(o, ",\"pinsHeld\":%lld,\"pinDelta\":%lld", held, first ? 0 : held - fr_prev_held);
  fr_prev_held = held;
  outf(o, ",\"earlyCompletion\":%s}", s->early ? "true" : "false");
}

// FileBacked (specs/ForkRace.tla): the byte of the buffer's file, the reference adapter's
// FILE_BYTE ('F', no tag's byte).
#define FR_FILE_BYTE 'F'

// The PFN user address `addr` maps (bits 0-54 of its /proc/self/pagemap entry; readable as root,
// fs/proc/task_mmu.c pagemap_pte_to_pme), 0 when not present.
static unsigned long long fr_pfn(const void *addr) {
  int fd = open("/proc/self/pagemap", O_RDONLY);
  if (fd < 0) return 0;
  uint64_t e = 0;
  ssize_t n = pread(fd, &e, sizeof e, (off_t)((uintptr_t)addr / PAGE * sizeof e));
  close(fd);
  if (n != (ssize_t)sizeof e || !(e & (1ULL << 63))) return 0;
  return e & ((1ULL << 55) - 1);
}

// The directory of FileBacked's file: a ramfs mount (fs/ramfs: a page-cache file system that is
// neither shmem nor hugetlbfs, as the reference's files are). A tmpfs file would not do: 6.1's
// io_pin_pages lets a shmem vma through ("if (!vma_is_shmem(vmas[i]) && ..."), so a fixed buffer
// over it would register where the reference's file is refused -EOPNOTSUPP. Mounted once, by the
// first request that needs it (statfs: RAMFS_MAGIC).
#define FR_RAMFS_DIR "/tmp/forkrace-ramfs"
#define FR_RAMFS_MAGIC 0x858458f6
static int fr_ramfs_dir(char *err, size_t errlen) {
  struct statfs sf;
  if (statfs(FR_RAMFS_DIR, &sf) == 0 && (unsigned long)sf.f_type == FR_RAMFS_MAGIC) return 0;
  mkdir(FR_RAMFS_DIR, 0755);
  if (mount("ramfs", FR_RAMFS_DIR, "ramfs", 0, "") < 0 && errno != EBUSY)
    return snprintf(err, errlen, "mount ramfs on %s: %s", FR_RAMFS_DIR, strerror(errno)), -1;
  if (statfs(FR_RAMFS_DIR, &sf) < 0 || (unsigned long)sf.f_type != FR_RAMFS_MAGIC)
    return snprintf(err, errlen, "%s is no ramfs after the mount", FR_RAMFS_DIR), -1;
  return 0;
}

// FileBacked: the buffer is a MAP_PRIVATE mapping of a two-page ramfs file of FR_FILE_BYTE. Page 0
// is stored to (mm/memory.c do_fault -> do_cow_fault: a private anonymous copy), page 1 only
// loaded (do_read_fault: its pte maps the page-cache page itself, read-only); both done before
// the first step. The set-up checks it with /proc/self/pagemap against a MAP_SHARED mapping of
// the same file (unmapped again): page 1's PFN is the page-cache page's, page 0's is not.
static unsigned char *fr_file_buffer(int *fd_out, char *err, size_t errlen) {
  if (fr_ramfs_dir(err, errlen) < 0) return NULL;
  char path[64];
  snprintf(path, sizeof path, FR_RAMFS_DIR "/forkrace-f-%d", getpid());
  int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
  if (fd < 0) return snprintf(err, errlen, "open %s: %s", path, strerror(errno)), NULL;
  unlink(path);
  static unsigned char fill[2 * PAGE];
  memset(fill, FR_FILE_BYTE, sizeof fill);
  if (pwrite(fd, fill, sizeof fill, 0) != (ssize_t)sizeof fill) {
    snprintf(err, errlen, "fill the file: %s", strerror(errno));
    close(fd);
    return NULL;
  }
  unsigned char *p = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
  unsigned char *shared = mmap(NULL, 2 * PAGE, PROT_READ, MAP_SHARED, fd, 0);
  if (p == MAP_FAILED || shared == MAP_FAILED) {
    snprintf(err, errlen, "mmap the file: %s", strerror(errno));
    close(fd);
    return NULL;
  }
  *fd_out = fd;  // kept open for MmapFileExists, closed at the scenario's end
  memset(p, 0xEE, PAGE);                  // page 0: the store's do_cow_fault
  volatile unsigned char sink = p[PAGE];  // page 1: the load's do_read_fault
  sink = shared[0];
  sink = shared[PAGE];
  (void)sink;
  unsigned long long cache0 = fr_pfn(shared), cache1 = fr_pfn(shared + PAGE);
  int ok = cache0 != 0 && cache1 != 0 && fr_pfn(p + PAGE) == cache1 && fr_pfn(p) != 0 && fr_pfn(p) != cache0;
  munmap(shared, 2 * PAGE);
  if (!ok) return snprintf(err, errlen, "file buffer: page 1 does not map its page-cache page or page 0 is no private copy"), NULL;
  return p;
}

// LastPageLoadedOnly (request field loaded = the model's NumPages): the last page only loaded
// before the first step, so its pte maps the shared zero page (mm/memory.c do_anonymous_page
// without FAULT_FLAG_WRITE, before anon_vma_prepare). With loaded = 2 page 0 is stored to first
// (the vma gets its anon_vma: fork copies both ptes, vma_needs_copy); with loaded = 1 page 0 is
// the one only loaded and page 1, which the model does not have, is never touched (a store there
// would give the vma an anon_vma, and fork would copy page 0's pte). The set-up checks the loaded
// page's PFN is the zero page's (a read of a second private anonymous mapping, unmapped again).
static unsigned char *fr_loaded_buffer(int pages, char *err, size_t errlen) {
  unsigned char *p = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  unsigned char *ref = mmap(NULL, PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED || ref == MAP_FAILED) return snprintf(err, errlen, "mmap: %s", strerror(errno)), NULL;
  unsigned char *last = p + (pages - 1) * PAGE;
  if (pages == 2) memset(p, 0xEE, PAGE);     // page 0: the store's do_anonymous_page
  volatile unsigned char sink = last[0];  // the load's do_anonymous_page: the zero page
  sink = ref[0];
  (void)sink;
  unsigned long long zero = fr_pfn(ref);
  munmap(ref, PAGE);
  int ok = zero != 0 && fr_pfn(last) == zero && (pages == 2 ? fr_pfn(p) != 0 && fr_pfn(p) != zero : fr_pfn(p + PAGE) == 0);
  if (!ok) return snprintf(err, errlen, "loaded buffer: the last page does not map the zero page, or page %s", pages == 2 ? "0 no page of its own" : "1 has a PTE"), NULL;
  return p;
}

// HugeBuffer (request field huge = 1): the buffer is the first two pages of an anonymous
// transparent huge page. THP is off in the guest at boot although the kernels are built with
// CONFIG_TRANSPARENT_HUGEPAGE_ALWAYS: mm/huge_memory.c hugepage_init clears
// transparent_hugepage_flags on a machine with less than 512 MiB (the guest has 256), so the
// set-up first writes "madvise" to transparent_hugepage/enabled and /defrag where they say
// [never]: THP (and direct compaction for it) then only for MADV_HUGEPAGE ranges, which no other
// request makes. 4 MiB are mapped and the 2 MiB-aligned 2 MiB inside kept (the rest
// unmapped), madvise(MADV_HUGEPAGE) of it, then the store to pages 0 and 1 (mm/huge_memory.c
// do_huge_pmd_anonymous_page maps the whole THP by its pmd at the first one). The set-up checks
// /proc/self/smaps: the vma's AnonHugePages must be 2048 kB, else the request fails (the race
// would run on order-0 pages) and says what transparent_hugepage/enabled holds.
static long fr_anon_huge_kb(const unsigned char *p) {
  FILE *f = fopen("/proc/self/smaps", "r");
  if (!f) return -1;
  char line[256];
  int in = 0;
  long kb = -1;
  while (fgets(line, sizeof line, f)) {
    unsigned long lo, hi;
    // A vma's header line ("lo-hi perms ..."): field lines ("Size: ...") do not parse as two.
    if (sscanf(line, "%lx-%lx ", &lo, &hi) == 2) {
      if (in) break;
      in = lo == (uintptr_t)p;
    } else if (in && sscanf(line, "AnonHugePages: %ld kB", &kb) == 1) {
      break;
    }
  }
  fclose(f);
  return in ? kb : -1;
}

static void fr_thp_madvise(const char *path) {
  char mode[128] = "";
  FILE *f = fopen(path, "r");
  if (!f) return;
  if (!fgets(mode, sizeof mode, f)) mode[0] = 0;
  fclose(f);
  if (strstr(mode, "[never]") == NULL) return;
  f = fopen(path, "w");
  if (!f) return;
  fputs("madvise", f);
  fclose(f);
}

static unsigned char *fr_huge_buffer(char *err, size_t errlen) {
  const size_t huge = 2UL << 20;
  fr_thp_madvise("/sys/kernel/mm/transparent_hugepage/enabled");
  fr_thp_madvise("/sys/kernel/mm/transparent_hugepage/defrag");
  unsigned char *raw = mmap(NULL, 2 * huge, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (raw == MAP_FAILED) return snprintf(err, errlen, "mmap 4 MiB: %s", strerror(errno)), NULL;
  unsigned char *p = (unsigned char *)(((uintptr_t)raw + huge - 1) & ~(uintptr_t)(huge - 1));
  if (p > raw) munmap(raw, (size_t)(p - raw));
  if (raw + 2 * huge > p + huge) munmap(p + huge, (size_t)(raw + 2 * huge - (p + huge)));
  if (madvise(p, huge, MADV_HUGEPAGE) < 0) return snprintf(err, errlen, "madvise(MADV_HUGEPAGE): %s", strerror(errno)), NULL;
  memset(p, 0xEE, 2 * PAGE);  // the first store faults the THP in
  long kb = fr_anon_huge_kb(p);
  if (kb != 2048) {
    char mode[128] = "?";
    FILE *f = fopen("/sys/kernel/mm/transparent_hugepage/enabled", "r");
    if (f) {
      if (!fgets(mode, sizeof mode, f)) strcpy(mode, "?");
      fclose(f);
      mode[strcspn(mode, "\n")] = 0;
    }
    return snprintf(err, errlen, "huge buffer: AnonHugePages %ld kB, not a THP (transparent_hugepage/enabled: %s)", kb, mode), NULL;
  }
  return p;
}

static int op_forkrace_script(const struct req *r, struct out *o, char *err, size_t errlen) {
  const char *script = req_str(r, "steps", "");
  struct fr_state s;
  memset(&s, 0, sizeof s);
  // Request field "file" (the FileBacked constant): 1 for the private file mapping.
  if (req_int(r, "file", 0)) {
    s.pages = fr_file_buffer(&s.file_fd, err, errlen);
    if (!s.pages) return -1;
  } else if (req_int(r, "loaded", 0) == 1 || req_int(r, "loaded", 0) == 2) {
    s.pages = fr_loaded_buffer((int)req_int(r, "loaded", 0), err, errlen);
    if (!s.pages) return -1;
  } else if (req_int(r, "huge", 0)) {
    // Request field "huge" (the HugeBuffer constant): 1 for the THP buffer.
    s.pages = fr_huge_buffer(err, errlen);
    if (!s.pages) return -1;
  } else {
    s.pages = page_buffer(2);
    if (!s.pages) return snprintf(err, errlen, "mmap: %s", strerror(errno)), -1;
  }
  // A store or load that faults is a step's SIGSEGV, caught (guarded_store / guarded_load).
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = fr_segv;
  sigemptyset(&sa.sa_mask);
  if (sigaction(SIGSEGV, &sa, NULL) < 0) return snprintf(err, errlen, "sigaction: %s", strerror(errno)), -1;
  // ForkAdvice (specs/ForkRace.tla): madvise of the whole buffer before any step.
  const char *advice = req_str(r, "advice", "NONE");
  int madv = strcmp(advice, "DONTFORK") == 0 ? MADV_DONTFORK : strcmp(advice, "WIPEONFORK") == 0 ? MADV_WIPEONFORK : -1;
  if (madv < 0 && strcmp(advice, "NONE") != 0) return snprintf(err, errlen, "forkrace_script: unknown advice %s", advice), -1;
  if (madv >= 0 && madvise(s.pages, 2 * PAGE, madv) < 0) return snprintf(err, errlen, "madvise(%s): %s", advice, strerror(errno)), -1;
  if (sys_io_setup(8, &s.ctx) < 0) return snprintf(err, errlen, "io_setup: %s", strerror(errno)), -1;
  for (int v = 0; v < 2; v++)
    if (uring_init(&s.ring[v], 4) < 0) return snprintf(err, errlen, "io_uring_setup: %s", strerror(errno)), -1;
  int rc = 0;
  for (int i = 1; i <= 2 && rc == 0; i++) {
    char path[96];
    snprintf(s.gate[i], sizeof s.gate[i], "pinlab-s%d-%d", g_slot, i);
    rc = gate_create(s.gate[i], 1, path, sizeof path, &s.dio_fd[i], err, errlen);
  }
  fr_prev_held = 0;
  read_pins(&fr_base);
  outf(o, "\"obs\":[");
  char step[256];
  int nsteps = 0;
  const char *p = script;
  while (rc == 0 && next_step(&p, step, sizeof step)) {
    rc = fr_step(&s, step, err, errlen);
    if (rc == 0) fr_observe(&s, o, nsteps++ == 0);
  }
  outf(o, "]");
  out_int(o, "steps", nsteps);
  // Tidy up. The child first: it inherited the gate fds, and a dm device still open cannot be
  // removed (DM_DEV_REMOVE: EBUSY); leaked gates pile up kernel threads until fork fails.
  if (s.child) {
    close(s.to_child);
    waitpid(s.child, NULL, 0);
  }
  // Open every gate and reap every read before unregistering any buffer. The order matters:
  // IORING_UNREGISTER_BUFFERS waits for the ring's in-flight requests to drop their resource
  // node (io_uring/rsrc.c io_sqe_buffers_unregister -> io_rsrc_ref_quiesce), so unregistering
  // while a FixedRead still sits behind a closed gate sleeps until the worker's SIGALRM: the
  // 30 s pause per such scenario that made full suite runs look stalled (issue 5).
  for (int i = 1; i <= 2; i++) {
    if (s.gate[i][0] == 0) continue;
    gate_open(s.gate[i]);
    if (s.io_kind[i] == 1 || s.io_kind[i] == 3) reap_aio(&s, i, 1);
    if (s.io_kind[i] == 2 && !s.io_done[i]) {
      int res;
      uring_reap(&s.ring[s.io_vpage[i]], 1, &res);
      s.io_done[i] = 1;
    }
    if (s.dio_fd[i] > 0) close(s.dio_fd[i]);
    // The gate stays, open, for the next scenario of this worker slot.
  }
  // Unpin registered buffers now rather than in the ring's asynchronous teardown after exit
  // (io_ring_exit_work), which would move the pin counters under the next scenario.
  for (int v = 0; v < 2; v++)
    if (s.registered[v]) syscall(__NR_io_uring_register, s.ring[v].fd, IORING_UNREGISTER_BUFFERS, NULL, 0), s.registered[v] = 0;
  if (s.file_fd > 0) close(s.file_fd);
  return rc;
}

// ---------------------------------------------------------------- op: fault injection
// Used by the harness's own tests of its watchdog: a worker that hangs, an agent that dies,
// a kernel that panics (sysrq 'c').
static int op_fault(const struct req *r, struct out *o, char *err, size_t errlen) {
  const char *kind = req_str(r, "kind", "");
  (void)o;
  if (strcmp(kind, "hang") == 0) {
    for (;;) pause();
  }
  if (strcmp(kind, "segv") == 0) raise(SIGSEGV);
  if (strcmp(kind, "panic") == 0) {
    int fd = open("/proc/sysrq-trigger", O_WRONLY);
    if (fd >= 0 && write(fd, "c", 1) < 0) {
    }
  }
  return snprintf(err, errlen, "fault: unknown kind %s", kind), -1;
}

// ---------------------------------------------------------------- per-spec realisations
// One file per spec, compiled into this one translation unit (the agent stays a single static
// binary built by one gcc call; src/agent-build.ts hashes every file in guest/). Each defines
// `static int <spec>_op(op, r, o, err, errlen)` returning 1 when `op` is not one of its own.
#include "pinunpin.c"
#include "itercursor.c"
#include "splicepipe.c"

static int run_op(const char *op, const struct req *r, struct out *o, char *err, size_t errlen) {
  int rc;
  if ((rc = pinunpin_op(op, r, o, err, errlen)) != 1) return rc;
  if ((rc = itercursor_op(op, r, o, err, errlen)) != 1) return rc;
  if ((rc = splicepipe_op(op, r, o, err, errlen)) != 1) return rc;
  if (strcmp(op, "fork_race") == 0) return op_fork_race(r, o, err, errlen);
  if (strcmp(op, "dio") == 0) return op_dio(r, o, err, errlen);
  if (strcmp(op, "uring_register") == 0) return op_uring_register(r, o, err, errlen);
  if (strcmp(op, "vmsplice") == 0) return op_vmsplice(r, o, err, errlen);
  if (strcmp(op, "rwv") == 0) return op_rwv(r, o, err, errlen);
  if (strcmp(op, "splice_read") == 0) return op_splice_read(r, o, err, errlen);
  if (strcmp(op, "fault") == 0) return op_fault(r, o, err, errlen);
  if (strcmp(op, "forkrace_script") == 0) return op_forkrace_script(r, o, err, errlen);
  if (strcmp(op, "ping") == 0) return 0;
  return snprintf(err, errlen, "unknown op \"%s\"", op), -1;
}

// ---------------------------------------------------------------- the request loop

struct worker {
  pid_t pid;
  int fd;
  long long id;
  char out[LINE_MAX_LEN];
  size_t len;
  // The result line was complete and sent: the host need not wait for the worker's exit
  // (mm teardown, exit_aio's RCU wait, ring release), which overlaps the next request instead.
  int answered;
};

static struct worker workers[MAX_WORKERS];
static int chan = -1;

// Error texts quote user input and strerror(): escape them for a JSON string.
static void json_escape(const char *in, char *out, size_t outlen) {
  size_t k = 0;
  for (; *in && k + 7 < outlen; in++) {
    unsigned char c = (unsigned char)*in;
    if (c == '"' || c == '\\') {
      out[k++] = '\\';
      out[k++] = (char)c;
    } else if (c < 0x20) {
      k += (size_t)snprintf(out + k, outlen - k, "\\u%04x", c);
    } else {
      out[k++] = (char)c;
    }
  }
  out[k] = 0;
}

static void send_line(const char *fmt, ...) {
  char line[LINE_MAX_LEN + 256];
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(line, sizeof line - 2, fmt, ap);
  va_end(ap);
  if (n < 0) return;
  if ((size_t)n > sizeof line - 2) n = (int)sizeof line - 2;
  line[n++] = '\n';
  write_all(chan, line, (size_t)n);
}

static void start_worker(const char *line) {
  struct req r;
  if (parse_req(line, &r) < 0) {
    send_line("{\"id\":null,\"ok\":false,\"error\":\"malformed request\"}");
    return;
  }
  long long id = req_int(&r, "id", -1);
  const char *op = req_str(&r, "op", "");
  int slot = -1;
  for (int i = 0; i < MAX_WORKERS; i++)
    if (workers[i].pid == 0) {
      slot = i;
      break;
    }
  if (slot < 0) {
    send_line("{\"id\":%lld,\"ok\":false,\"error\":\"too many requests in flight\"}", id);
    return;
  }
  int p[2];
  if (pipe(p) < 0) {
    send_line("{\"id\":%lld,\"ok\":false,\"error\":\"pipe failed\"}", id);
    return;
  }
  pid_t pid = fork();
  if (pid == 0) {
    g_slot = slot;
    close(p[0]);
    close(chan);
    int timeout = (int)req_int(&r, "timeoutSec", 60);
    alarm((unsigned)timeout);
    struct out o = {{0}, 0};
    char err[512] = "";
    outf(&o, "{");
    int rc = run_op(op, &r, &o, err, sizeof err);
    outf(&o, "}");
    char line[LINE_MAX_LEN + 256], esc[1100];
    json_escape(err, esc, sizeof esc);
    int n = rc == 0 ? snprintf(line, sizeof line, "{\"id\":%lld,\"ok\":true,\"result\":%s}", id, o.buf)
                    : snprintf(line, sizeof line, "{\"id\":%lld,\"ok\":false,\"error\":\"%s\"}", id, esc);
    // One line, newline-terminated: the agent answers as soon as the newline arrives.
    if (n < 0) n = 0;
    if ((size_t)n > sizeof line - 2) n = (int)sizeof line - 2;
    line[n++] = '\n';
    write_all(p[1], line, (size_t)n);
    _exit(0);
  }
  close(p[1]);
  workers[slot] = (struct worker){.pid = pid, .fd = p[0], .id = id, .len = 0};
}

static void finish_worker(struct worker *w) {
  int status = 0;
  waitpid(w->pid, &status, 0);
  close(w->fd);
  if (w->answered) {
    // Sent when its line arrived.
  } else if (w->len > 0) {
    w->out[w->len] = 0;
    send_line("%s", w->out);
  } else if (WIFSIGNALED(status)) {
    send_line("{\"id\":%lld,\"ok\":false,\"error\":\"worker killed by signal %d%s\"}", w->id, WTERMSIG(status),
              WTERMSIG(status) == SIGALRM ? " (timeout)" : "");
  } else {
    send_line("{\"id\":%lld,\"ok\":false,\"error\":\"worker exited %d without a result\"}", w->id, WEXITSTATUS(status));
  }
  w->pid = 0;
}

int main(int argc, char **argv) {
  const char *dev = argc > 1 ? argv[1] : "/dev/ttyS1";
  if (argc > 2) g_delay_ms = atoi(argv[2]);
  chan = open(dev, O_RDWR | O_NOCTTY);
  if (chan < 0) {
    fprintf(stderr, "pinlab-agent: open %s: %s\n", dev, strerror(errno));
    return 1;
  }
  struct termios t;
  if (tcgetattr(chan, &t) == 0) {
    cfmakeraw(&t);
    cfsetspeed(&t, B115200);
    tcsetattr(chan, TCSANOW, &t);
  }
  char err[512] = "";
  struct utsname uts;
  uname(&uts);
  if (setup_devices(g_delay_ms, err, sizeof err) < 0) {
    char esc[1100];
    json_escape(err, esc, sizeof esc);
    send_line("{\"event\":\"setup-failed\",\"release\":\"%s\",\"error\":\"%s\"}", uts.release, esc);
    return 1;
  }
  send_line("{\"event\":\"ready\",\"release\":\"%s\",\"delayMs\":%d}", uts.release, g_delay_ms);
  char line[LINE_MAX_LEN];
  size_t llen = 0;
  for (;;) {
    struct pollfd pfd[MAX_WORKERS + 1];
    int map[MAX_WORKERS + 1];
    int n = 0;
    pfd[n] = (struct pollfd){.fd = chan, .events = POLLIN};
    map[n++] = -1;
    for (int i = 0; i < MAX_WORKERS; i++)
      if (workers[i].pid) {
        pfd[n] = (struct pollfd){.fd = workers[i].fd, .events = POLLIN};
        map[n++] = i;
      }
    if (poll(pfd, (nfds_t)n, -1) < 0) {
      if (errno == EINTR) continue;
      return 1;
    }
    for (int k = 1; k < n; k++) {
      if (!(pfd[k].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      struct worker *w = &workers[map[k]];
      ssize_t got = read(w->fd, w->out + w->len, sizeof w->out - 1 - w->len);
      if (got > 0) {
        w->len += (size_t)got;
        if (!w->answered && w->out[w->len - 1] == '\n') {
          w->out[w->len - 1] = 0;
          send_line("%s", w->out);
          w->answered = 1;
          w->len = 0;
        }
      } else {
        finish_worker(w);
      }
    }
    if (pfd[0].revents & POLLIN) {
      char c;
      ssize_t got;
      while ((got = read(chan, &c, 1)) == 1) {
        if (c == '\n') {
          line[llen] = 0;
          if (llen > 0) start_worker(line);
          llen = 0;
          break;
        }
        if (c != '\r' && llen < sizeof line - 1) line[llen++] = c;
      }
    }
  }
}

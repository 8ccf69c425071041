// SplicePipe scenarios in the guest (included by agent.c; the host side is src/specs/splicepipe.ts).
//
// specs/SplicePipe.tla: processes p1 and p2 splice() the same O_DIRECT file into their own pipes
// while the file may be truncated (BufferedProc: one of them opens it without O_DIRECT and its
// splice() is a buffered one). Here each process reads its own file of the same size, both
// truncated together: under 6.1 and 6.12 the processes meet only in i_size (and the model's frame
// pool, which the host checks), and a file per process lets each splice's bios be held alone and
// tells D<i> (own data) from X<i> (the other process's data). The files live on ext4 (busybox
// mke2fs makes ext2, which the ext4 driver mounts), so O_DIRECT reads go through
// fs/iomap/direct-io.c __iomap_dio_rw:
//   6.1   fs/splice.c generic_file_splice_read -> ITER_PIPE -> ext4_file_read_iter ->
//         ext4_dio_read_iter -> iomap_dio_rw (pipe pages appended by append_pipe, each with a
//         get_page() for the bio: lib/iov_iter.c pipe_get_pages)
//   6.12  fs/splice.c vfs_splice_read -> copy_splice_read (O_DIRECT) -> ITER_BVEC over
//         bulk-allocated pages -> ext4_dio_read_iter -> iomap_dio_rw
// Each filesystem sits on a per-worker-slot dm-linear "gate" over its own loop device. A splice
// step suspends its gate first (DM_SUSPEND_FLAG | DM_SKIP_LOCKFS_FLAG: no freeze of the mounted
// fs), so drivers/md/dm.c dm_submit_bio queues the DIO's bios and the splicing child sleeps in
// __iomap_dio_rw's wait (after its submission and EOF revert) until SpliceReturn resumes the gate.
// That makes "p's splice() is inside the kernel" a state the host can observe and order.
//
// Request: {"op":"splicepipe_script","steps":"SpliceSubmit:proc=p1;Truncate:size=0;...",
//           "fileSize":2,"readLen":2,"pipeSlots":2,"heldIn":"__iomap_dio_rw","tailBytes":0}
//          (tailBytes 1..4095: the files' last page holds only that many bytes, i_size ends mid-page)
//          ("partReadBytes":512: the size of each PipeReadPart read(), PartReadSectors * 512)
//          (SpliceSubmit may carry pos=<bytes>, the file offset splice() reads from; default 0)
// Result:  {"obs":[{"isizeBytes":8192,"isizeBytesOther":8192,"retBytes_p1":null,"pipe_p1":"D1,D2",...}]}
//   pipe_<p>   what a reader would get from each buffer, oldest first, read without consuming
//              (tee() into a scratch pipe): D<i> every byte is page i of p's file (0xa0 + i for
//              p1, 0xb0 + i for p2), X<i> of the other's file, Z all zero, J anything else, each
//              followed by :<len> when the buffer holds less than a page; null
//              while p's splice() has not returned (it holds pipe_lock for the whole
//              ->splice_read: fs/splice.c splice_file_to_pipe)
//   retBytes_<p> splice()'s return value (or -errno), null until it has returned
//   nbRetBytes the last SpliceFullNonblock's splice(SPLICE_F_NONBLOCK) return (or -errno), null before any
//   vmRetBytes the last VmspliceEmpty's vmsplice(pw, {NULL, 0}, 1, 0) return (or -errno), null before any
// Returns 1 when `op` is not a SplicePipe op, so run_op tries the next spec.
#include <sys/mount.h>

#define SP_FS_BYTES (1u << 20)
#define SP_MAX_PAGES 5

// Byte of file page `page` (1-based) in process p's file (0: p1, 1: p2): D<i> and X<i> (the other
// process's data) differ.
static unsigned char sp_data_byte(int p, int page) { return (unsigned char)((p ? 0xb0 : 0xa0) + page); }

// One process's file: its own ext4 on its own gate, so each splice's bios can be held alone.
struct sp_file {
  char gate[64];   // dm name of the gate
  char dev[96];    // its block device node
  char dir[96];    // mount point
  char file[128];  // the O_DIRECT file
  int fd;          // O_RDONLY | O_DIRECT: what splice() reads
  int tfd;         // O_RDWR: ftruncate and fstat
  int suspended;
};

struct sp_state {
  struct sp_file f[2];  // p1's and p2's file, same size and truncated together
  int pr[2], pw[2];  // each process's pipe: read end (O_NONBLOCK), write end
  int scratch[2];    // tee() target for observing a pipe without consuming it
  int sieve[2];      // a one-slot pipe: a splice() from the scratch pipe into it moves one buffer
  pid_t child[2];    // the splicing child of p1/p2
  int res[2];        // its result pipe (read end)
  int state[2];      // 0 idle, 1 inside splice(), 2 returned
  long long ret[2];
  int read_len, slots, file_size, tail_bytes;
  int part_read;     // bytes of a PipeReadPart read() (PartReadSectors * 512), 0: none
  char wchan[2][64];  // where the child sleeps once its bios are queued
  const char *held_in;  // the wchan that means "bios submitted, waiting for them"
  int buffered;         // the process whose file is opened without O_DIRECT (BufferedProc), -1: none
  int nb_done;          // a SpliceFullNonblock has run
  long long nb_ret;     // its splice()'s return value (or -errno)
  int vm_done;          // a VmspliceEmpty has run
  long long vm_ret;     // its vmsplice()'s return value (or -errno)
};

static int sp_gate_suspend(const char *name, char *err, size_t errlen) {
  int ctl = open("/dev/mapper/control", O_RDWR);
  if (ctl < 0) return snprintf(err, errlen, "open /dev/mapper/control: %s", strerror(errno)), -1;
  struct dm_ioctl io;
  dm_ioctl_init(&io, sizeof io, name);
  io.flags = DM_SUSPEND_FLAG | DM_SKIP_LOCKFS_FLAG;
  int rc = ioctl(ctl, DM_DEV_SUSPEND, &io);
  int e = errno;
  close(ctl);
  if (rc < 0) return snprintf(err, errlen, "DM suspend %s: %s", name, strerror(e)), -1;
  return 0;
}

// A free loop device bound to `backing` (loop0 is the agent's disk; others may race for the same
// free device, so LOOP_SET_FD's EBUSY means "try the next free one").
static int sp_loop_attach(int backing, dev_t *dev, char *err, size_t errlen) {
  int ctl = open("/dev/loop-control", O_RDWR);
  if (ctl < 0) return snprintf(err, errlen, "open /dev/loop-control: %s", strerror(errno)), -1;
  for (int attempt = 0; attempt < 20; attempt++) {
    int n = ioctl(ctl, LOOP_CTL_GET_FREE);
    if (n < 0) return close(ctl), snprintf(err, errlen, "LOOP_CTL_GET_FREE: %s", strerror(errno)), -1;
    char path[32];
    snprintf(path, sizeof path, "/dev/loop%d", n);
    int lfd = -1;
    for (int w = 0; w < 200 && lfd < 0; w++) {  // devtmpfs creates the node asynchronously
      lfd = open(path, O_RDWR);
      if (lfd < 0) sleep_ms(5);
    }
    if (lfd < 0) return close(ctl), snprintf(err, errlen, "open %s: %s", path, strerror(errno)), -1;
    if (ioctl(lfd, LOOP_SET_FD, backing) == 0) {
      struct stat st;
      fstat(lfd, &st);
      *dev = st.st_rdev;
      close(lfd);
      close(ctl);
      return 0;
    }
    int e = errno;
    close(lfd);
    if (e != EBUSY) return close(ctl), snprintf(err, errlen, "LOOP_SET_FD %s: %s", path, strerror(e)), -1;
  }
  close(ctl);
  return snprintf(err, errlen, "no free loop device after 20 attempts"), -1;
}

static int sp_run(char *const argv[], char *err, size_t errlen) {
  pid_t pid = fork();
  if (pid < 0) return snprintf(err, errlen, "fork: %s", strerror(errno)), -1;
  if (pid == 0) {
    int null = open("/dev/null", O_RDWR);
    if (null >= 0) dup2(null, 1), dup2(null, 2);
    execv(argv[0], argv);
    _exit(127);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) return snprintf(err, errlen, "%s %s failed (status %d)", argv[0], argv[1], status), -1;
  return 0;
}

// This worker slot's filesystem: made once per VM and slot, then reused (like the ForkRace gates).
static int sp_fs_setup(struct sp_file *s, int which, char *err, size_t errlen) {
  snprintf(s->gate, sizeof s->gate, "pinlab-sp%d-%d", g_slot, which + 1);
  snprintf(s->dev, sizeof s->dev, "/tmp/%s", s->gate);
  snprintf(s->dir, sizeof s->dir, "/tmp/sp-mnt-%d-%d", g_slot, which + 1);
  char marker[128];
  snprintf(marker, sizeof marker, "%s/.pinlab-ready", s->dir);
  if (access(marker, F_OK) == 0) {
    gate_open(s->gate);  // an earlier scenario of this slot may have died with the gate closed
    return 0;
  }
  int ctl = open("/dev/mapper/control", O_RDWR);
  if (ctl < 0) return snprintf(err, errlen, "open /dev/mapper/control: %s", strerror(errno)), -1;
  union {
    struct dm_ioctl io;
    char raw[4096];
  } u;
  dev_t dmdev;
  if (dm_ioctl_call(ctl, DM_DEV_STATUS, &u.io, sizeof u, s->gate) == 0) {
    // Left by a setup of this slot that did not finish (no marker): reuse the device as it is.
    dmdev = (dev_t)u.io.dev;
    dm_ioctl_call(ctl, DM_DEV_SUSPEND, &u.io, sizeof u, s->gate);  // resume
  } else {
    char img[64];
    snprintf(img, sizeof img, "/tmp/sp-%d-%d.img", g_slot, which + 1);
    int bfd = open(img, O_RDWR | O_CREAT | O_TRUNC, 0600);
    if (bfd < 0 || ftruncate(bfd, SP_FS_BYTES) < 0) return close(ctl), snprintf(err, errlen, "backing file %s: %s", img, strerror(errno)), -1;
    dev_t loopdev;
    if (sp_loop_attach(bfd, &loopdev, err, errlen) < 0) return close(ctl), -1;
    close(bfd);
    if (dm_create(ctl, s->gate, 0, &dmdev, err, errlen) < 0) return close(ctl), -1;
    char params[128];
    snprintf(params, sizeof params, "%u:%u 0", major(loopdev), minor(loopdev));
    if (dm_load_table(ctl, s->gate, "linear", SP_FS_BYTES / 512, params, err, errlen) < 0) return close(ctl), -1;
  }
  close(ctl);
  unlink(s->dev);
  if (mknod(s->dev, S_IFBLK | 0600, dmdev) < 0) return snprintf(err, errlen, "mknod %s: %s", s->dev, strerror(errno)), -1;

  // 4 KiB blocks: one file page = one block = one pipe buffer, the spec's unit.
  char *mkfs[] = {"/bin/busybox", "mke2fs", "-F", "-b", "4096", "-m", "0", "-i", "65536", s->dev, "1024", NULL};
  if (sp_run(mkfs, err, errlen) < 0) return -1;
  if (mkdir(s->dir, 0755) < 0 && errno != EEXIST) return snprintf(err, errlen, "mkdir %s: %s", s->dir, strerror(errno)), -1;
  if (mount(s->dev, s->dir, "ext4", MS_NOATIME, "") < 0) {
    int e = errno;
    // Without ext4 registered the kernel's request_module finds no modprobe in the initramfs.
    char fs[4096] = "";
    int ffd = open("/proc/filesystems", O_RDONLY);
    ssize_t n = ffd >= 0 ? read(ffd, fs, sizeof fs - 1) : -1;
    if (ffd >= 0) close(ffd);
    fs[n > 0 ? n : 0] = 0;
    int have = strstr(fs, "\text4\n") != NULL;
    // The kernel's own words (ext4 logs why a mount failed): the last records of /dev/kmsg.
    char klog[256] = "", rec[512];
    int kfd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK);
    while (kfd >= 0 && (n = read(kfd, rec, sizeof rec - 1)) > 0) {
      rec[n] = 0;
      char *msg = strchr(rec, ';');
      const char *text = msg ? msg + 1 : rec;
      size_t tl = strlen(text) < sizeof klog - 1 ? strlen(text) : sizeof klog - 1;
      memcpy(klog, text, tl);
      klog[tl] = 0;
    }
    if (kfd >= 0) close(kfd);
    return snprintf(err, errlen, "mount ext4 on %s at %s: %s%s; kernel: %s", s->dev, s->dir, strerror(e),
                    have ? "" : " (ext4 is not registered in this guest: the kernel cache predates CONFIG_EXT4_FS in src/modules.ts; run `pinlab kernel fetch all --force`)", klog),
           -1;
  }
  int m = open(marker, O_WRONLY | O_CREAT, 0600);
  if (m < 0) return snprintf(err, errlen, "create %s: %s", marker, strerror(errno)), -1;
  close(m);
  return 0;
}

// A fresh file of `file_size` pages, page i (1-based) filled with sp_data_byte(which, i), the last
// one only `tail_bytes` long when that is not 0 (i_size ends mid-page; ext4's writeback zeroes the
// rest of the block: ext4_bio_write_folio / 6.1 ext4_bio_write_page), written back
// before any gate closes (a DIO read first writes back dirty page cache: filemap_write_and_wait_range
// in __iomap_dio_rw, which would block behind the gate).
static int sp_file_setup(struct sp_file *s, int which, int file_size, int tail_bytes, int direct, char *err, size_t errlen) {
  snprintf(s->file, sizeof s->file, "%s/f", s->dir);
  unlink(s->file);
  s->tfd = open(s->file, O_RDWR | O_CREAT | O_TRUNC, 0600);
  if (s->tfd < 0) return snprintf(err, errlen, "create %s: %s", s->file, strerror(errno)), -1;
  static unsigned char page[PAGE];
  for (int i = 1; i <= file_size; i++) {
    memset(page, sp_data_byte(which, i), PAGE);
    ssize_t len = i == file_size && tail_bytes > 0 ? tail_bytes : PAGE;
    if (pwrite(s->tfd, page, (size_t)len, (off_t)(i - 1) * PAGE) != len) return snprintf(err, errlen, "write %s: %s", s->file, strerror(errno)), -1;
  }
  if (fsync(s->tfd) < 0) return snprintf(err, errlen, "fsync %s: %s", s->file, strerror(errno)), -1;
  // A buffered file (BufferedProc): vfs_splice_read sends it to f_op->splice_read, i.e.
  // filemap_splice_read on 6.12, generic_file_splice_read over ITER_PIPE on 6.1.
  s->fd = open(s->file, O_RDONLY | (direct ? O_DIRECT : 0));
  if (s->fd < 0) return snprintf(err, errlen, "open %s%s: %s", s->file, direct ? " O_DIRECT" : "", strerror(errno)), -1;
  return 0;
}

// Each process's pipe (pipe->max_usage = PipeSlots) and the scratch pipe for tee().
static int sp_pipes_setup(struct sp_state *s, char *err, size_t errlen) {
  for (int p = 0; p < 2; p++) {
    int fds[2];
    if (pipe(fds) < 0) return snprintf(err, errlen, "pipe: %s", strerror(errno)), -1;
    s->pr[p] = fds[0];
    s->pw[p] = fds[1];
    // pipe->max_usage = PipeSlots (fs/pipe.c pipe_set_size; the host only sends powers of two).
    long got = fcntl(fds[1], F_SETPIPE_SZ, s->slots * PAGE);
    if (got != (long)s->slots * PAGE) return snprintf(err, errlen, "F_SETPIPE_SZ %d pages gave %ld bytes", s->slots, got), -1;
    fcntl(fds[0], F_SETFL, O_NONBLOCK);
  }
  if (pipe(s->scratch) < 0) return snprintf(err, errlen, "pipe: %s", strerror(errno)), -1;
  fcntl(s->scratch[1], F_SETPIPE_SZ, 64 * PAGE);
  fcntl(s->scratch[0], F_SETFL, O_NONBLOCK);
  // One slot (fs/pipe.c pipe_set_size: max_usage = 1): fs/splice.c splice_pipe_to_pipe moves a
  // whole input buffer when len >= ibuf->len and stops when the output is full, so each splice()
  // into it takes exactly one buffer of the scratch pipe, with that buffer's offset and len.
  if (pipe(s->sieve) < 0) return snprintf(err, errlen, "pipe: %s", strerror(errno)), -1;
  long one = fcntl(s->sieve[1], F_SETPIPE_SZ, PAGE);
  if (one != PAGE) return snprintf(err, errlen, "F_SETPIPE_SZ 1 page gave %ld bytes", one), -1;
  fcntl(s->sieve[0], F_SETFL, O_NONBLOCK);
  return 0;
}

// Bytes the oldest buffer of p's pipe holds (buf->len), without consuming it: tee() the pipe into
// the scratch pipe, move the scratch pipe's oldest buffer alone into the one-slot sieve, then
// drain both. 0 for an empty pipe, -1 on an error.
static ssize_t sp_oldest_len(struct sp_state *s, int p) {
  static unsigned char drain[PAGE];
  ssize_t n = tee(s->pr[p], s->scratch[1], 64 * PAGE, SPLICE_F_NONBLOCK);
  if (n <= 0) return n < 0 && errno == EAGAIN ? 0 : n;
  ssize_t len = splice(s->scratch[0], NULL, s->sieve[1], NULL, 64 * PAGE, SPLICE_F_NONBLOCK);
  while (read(s->sieve[0], drain, sizeof drain) > 0) {}
  while (read(s->scratch[0], drain, sizeof drain) > 0) {}
  return len;
}

// /proc/<pid>/stat's state letter ('D': uninterruptible sleep, here the DIO wait).
static char sp_proc_state(pid_t pid) {
  char path[64], buf[512];
  snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
  int fd = open(path, O_RDONLY);
  if (fd < 0) return '?';
  ssize_t n = read(fd, buf, sizeof buf - 1);
  close(fd);
  if (n <= 0) return '?';
  buf[n] = 0;
  char *rp = strrchr(buf, ')');
  return rp && rp[1] == ' ' ? rp[2] : '?';
}

static void sp_wchan(pid_t pid, char *out, size_t outlen) {
  char path[64];
  snprintf(path, sizeof path, "/proc/%d/wchan", (int)pid);
  int fd = open(path, O_RDONLY);
  ssize_t n = fd >= 0 ? read(fd, out, outlen - 1) : -1;
  if (fd >= 0) close(fd);
  out[n > 0 ? n : 0] = 0;
}

static int sp_result_ready(int fd, int wait_ms) {
  struct pollfd pf = {.fd = fd, .events = POLLIN};
  return poll(&pf, 1, wait_ms) > 0;
}

static int sp_collect(struct sp_state *s, int p, char *err, size_t errlen) {
  long long v = 0;
  ssize_t n;
  while ((n = read(s->res[p], &v, sizeof v)) < 0 && errno == EINTR) {
  }
  if (n != (ssize_t)sizeof v) return snprintf(err, errlen, "p%d's splice child gave no result", p + 1), -1;
  waitpid(s->child[p], NULL, 0);
  close(s->res[p]);
  s->child[p] = 0;
  s->state[p] = 2;
  s->ret[p] = v;
  return 0;
}

static int sp_proc_index(const char *step, char *err, size_t errlen) {
  const char *q = strstr(step, ":proc=p");
  int p = q ? q[7] - '1' : -1;
  if (p < 0 || p > 1) return snprintf(err, errlen, "%s: proc must be p1 or p2", step), -1;
  return p;
}

static int sp_in_flight(const struct sp_state *s) { return s->state[0] == 1 || s->state[1] == 1; }

static int sp_step(struct sp_state *s, const char *step, char *err, size_t errlen) {
  char name[32];
  size_t k = 0;
  while (step[k] && step[k] != ':' && k < sizeof name - 1) name[k] = step[k], k++;
  name[k] = 0;
  if (strcmp(name, "Init") == 0 || strcmp(name, "Finished") == 0) return 0;
  if (strcmp(name, "Truncate") == 0) {
    // Only between splice() calls: ftruncate would wait for an in-flight O_DIRECT read (ext4
    // holds i_rwsem shared across iomap_dio_rw) and so for the closed gate.
    if (sp_in_flight(s)) return snprintf(err, errlen, "%s: a splice is in flight (the host must not send this)", step), -1;
    int size = step_param(step, "size", -1);
    if (size < 0 || size > SP_MAX_PAGES) return snprintf(err, errlen, "%s: size must be 0..%d pages", step, SP_MAX_PAGES), -1;
    for (int w = 0; w < 2; w++)
      if (ftruncate(s->f[w].tfd, (off_t)size * PAGE) < 0) return snprintf(err, errlen, "%s: ftruncate: %s", step, strerror(errno)), -1;
    return 0;
  }
  if (strcmp(name, "TruncateMid") == 0) {
    // ftruncate to sectors * 512 bytes into page `size` (1-based): an i_size inside a page, between
    // splice() calls only, as Truncate.
    if (sp_in_flight(s)) return snprintf(err, errlen, "%s: a splice is in flight (the host must not send this)", step), -1;
    int size = step_param(step, "size", -1), sectors = step_param(step, "sectors", -1);
    if (size < 1 || size > SP_MAX_PAGES || sectors < 1 || sectors >= PAGE / 512)
      return snprintf(err, errlen, "%s: size must be 1..%d pages and sectors 1..%d", step, SP_MAX_PAGES, PAGE / 512 - 1), -1;
    for (int w = 0; w < 2; w++)
      if (ftruncate(s->f[w].tfd, (off_t)(size - 1) * PAGE + (off_t)sectors * 512) < 0)
        return snprintf(err, errlen, "%s: ftruncate: %s", step, strerror(errno)), -1;
    return 0;
  }
  int p = sp_proc_index(step, err, errlen);
  if (p < 0) return -1;
  if (strcmp(name, "SpliceSubmit") == 0) {
    if (s->state[p] != 0) return snprintf(err, errlen, "%s: p%d has already spliced", step, p + 1), -1;
    // A buffered splice is one step: its page-cache reads must not wait behind a closed gate.
    int buffered = p == s->buffered;
    if (!buffered) {
      if (sp_gate_suspend(s->f[p].gate, err, errlen) < 0) return -1;
      s->f[p].suspended = 1;
    }
    int rp[2];
    if (pipe(rp) < 0) return snprintf(err, errlen, "pipe: %s", strerror(errno)), -1;
    pid_t pid = fork();
    if (pid < 0) return snprintf(err, errlen, "fork: %s", strerror(errno)), -1;
    if (pid == 0) {
      close(rp[0]);
      // Every splice reads from file offset 0 (the spec's unit), SpliceMisaligned's from pos=1.
      loff_t pos = step_param(step, "pos", 0);
      ssize_t n = splice(s->f[p].fd, &pos, s->pw[p], NULL, (size_t)s->read_len * PAGE, 0);
      long long v = n < 0 ? -(long long)errno : (long long)n;
      if (write(rp[1], &v, sizeof v) != (ssize_t)sizeof v) _exit(3);
      _exit(0);
    }
    close(rp[1]);
    s->child[p] = pid;
    s->res[p] = rp[0];
    s->state[p] = 1;
    if (buffered) {
      for (int polls = 0; polls < 10000 && s->state[p] == 1; polls++)
        if (sp_result_ready(s->res[p], 1) && sp_collect(s, p, err, errlen) < 0) return -1;
      if (s->state[p] != 2) return snprintf(err, errlen, "%s: p%d's buffered splice did not return within 10 s", step, p + 1), -1;
      return 0;
    }
    // Wait until the splice returned (nothing to read: no bio) or sleeps where its bios are
    // awaited: /proc/<pid>/wchan = s->held_in (the host sends "__iomap_dio_rw"). A D state alone
    // is not enough: the child passes through short uninterruptible sleeps on its way there.
    for (int polls = 0; polls < 5000; polls++) {
      if (sp_result_ready(s->res[p], 1)) {
        if (sp_collect(s, p, err, errlen) < 0) return -1;
        break;
      }
      sp_wchan(pid, s->wchan[p], sizeof s->wchan[p]);
      if (sp_proc_state(pid) == 'D' && strcmp(s->wchan[p], s->held_in) == 0) break;
    }
    // Not held where expected after 5 s: the observation carries the wchan seen, the host fails.
    if (s->state[p] == 2 && s->f[p].suspended) {
      gate_open(s->f[p].gate);
      s->f[p].suspended = 0;
    }
    return 0;
  }
  if (strcmp(name, "DioRevert") == 0 || strcmp(name, "BioComplete") == 0) {
    // Inside p's splice() call: __iomap_dio_rw reverted to i_size before it started waiting, and
    // the bios complete when SpliceReturn opens the gate. The guest checks the call is still in.
    if (s->state[p] != 1) return snprintf(err, errlen, "%s: p%d is not inside splice()", step, p + 1), -1;
    if (sp_result_ready(s->res[p], 0)) return snprintf(err, errlen, "%s: p%d's splice returned before SpliceReturn (the gate did not hold its bios)", step, p + 1), -1;
    return 0;
  }
  if (strcmp(name, "SpliceReturn") == 0) {
    if (s->state[p] == 2) return 0;  // returned at submission (nothing to read)
    if (s->state[p] != 1) return snprintf(err, errlen, "%s: p%d has not spliced", step, p + 1), -1;
    if (gate_open(s->f[p].gate) < 0) return snprintf(err, errlen, "%s: resume gate: %s", step, strerror(errno)), -1;
    s->f[p].suspended = 0;
    return sp_collect(s, p, err, errlen);
  }
  if (strcmp(name, "SpliceFullNonblock") == 0) {
    // splice(fd, &0, pipe_p, ReadLen pages, SPLICE_F_NONBLOCK) again, p's splice() having returned:
    // fs/splice.c splice_file_to_pipe -> wait_for_space gives -EAGAIN at once when the pipe is
    // full (the host sends it only then), before any read. Synchronous, in this process.
    if (s->state[p] != 2) return snprintf(err, errlen, "%s: p%d's splice has not returned", step, p + 1), -1;
    loff_t pos = 0;
    ssize_t n = splice(s->f[p].fd, &pos, s->pw[p], NULL, (size_t)s->read_len * PAGE, SPLICE_F_NONBLOCK);
    s->nb_ret = n < 0 ? -(long long)errno : (long long)n;
    s->nb_done = 1;
    return 0;
  }
  if (strcmp(name, "VmspliceEmpty") == 0) {
    // vmsplice(pipe_p, {NULL, 0}, 1, 0) into p's full pipe (the host sends it only then), flags 0
    // on the blocking write end: fs/splice.c sys_vmsplice returns 0 for an empty iovec before
    // vmsplice_to_pipe -> wait_for_space, so it neither sleeps nor fails (6.1 and 6.12).
    if (s->state[p] != 2) return snprintf(err, errlen, "%s: p%d's splice has not returned", step, p + 1), -1;
    struct iovec iov = {.iov_base = NULL, .iov_len = 0};
    ssize_t n = vmsplice(s->pw[p], &iov, 1, 0);
    s->vm_ret = n < 0 ? -(long long)errno : (long long)n;
    s->vm_done = 1;
    return 0;
  }
  if (strcmp(name, "PipeRead") == 0) {
    if (s->state[p] == 1) return snprintf(err, errlen, "%s: p%d is inside splice() (pipe locked)", step, p + 1), -1;
    // read() of what the oldest buffer holds (a page, the tail of a read stopped mid-page, or
    // the rest after a PipeReadPart): fs/pipe.c pipe_read empties it and releases it, and stops
    // there (total_len reached) without touching the next buffer.
    ssize_t want = sp_oldest_len(s, p);
    if (want <= 0) return snprintf(err, errlen, "%s: %s", step, want == 0 ? "empty pipe" : strerror(errno)), -1;
    static unsigned char sink[PAGE];
    ssize_t n = read(s->pr[p], sink, (size_t)want);
    if (n != want) return snprintf(err, errlen, "%s: read of %zd bytes gave %zd: %s", step, want, n, n < 0 ? strerror(errno) : "short"), -1;
    return 0;
  }
  if (strcmp(name, "PipeReadPart") == 0) {
    // read(fd, buf, PartReadSectors * 512) of less than the oldest buffer holds: fs/pipe.c
    // pipe_read copies min(total_len, buf->len), moves buf->offset/len and keeps the buffer
    // (released only when !buf->len). The host sends it only when the model's oldest buffer
    // holds more; the guest checks the kernel's buffer does too, then that read() gave it all.
    if (s->state[p] == 1) return snprintf(err, errlen, "%s: p%d is inside splice() (pipe locked)", step, p + 1), -1;
    if (s->part_read <= 0 || s->part_read >= PAGE) return snprintf(err, errlen, "%s: partReadBytes must be 1..%d", step, PAGE - 1), -1;
    ssize_t holds = sp_oldest_len(s, p);
    if (holds <= s->part_read) return snprintf(err, errlen, "%s: the oldest buffer holds %zd bytes, not more than %d", step, holds, s->part_read), -1;
    static unsigned char part[PAGE];
    ssize_t n = read(s->pr[p], part, (size_t)s->part_read);
    if (n != s->part_read) return snprintf(err, errlen, "%s: read of %d bytes gave %zd: %s", step, s->part_read, n, n < 0 ? strerror(errno) : "short"), -1;
    return 0;
  }
  return snprintf(err, errlen, "unknown SplicePipe step \"%s\"", name), -1;
}

// What a reader of p's pipe would get, buffer by buffer, without consuming it (fs/splice.c
// do_tee -> link_pipe takes a ref on each buffer of the input pipe and links it to the output).
static void sp_pipe_tags(struct sp_state *s, int p, char *out, size_t outlen, int *nbufs) {
  out[0] = 0;
  *nbufs = 0;
  ssize_t n = tee(s->pr[p], s->scratch[1], 64 * PAGE, SPLICE_F_NONBLOCK);
  if (n <= 0) return;
  static unsigned char chunk[PAGE];
  for (ssize_t at = 0; at < n;) {
    // One buffer at a time (link_pipe copies each buffer with its offset and len): move the
    // scratch pipe's oldest buffer alone into the one-slot sieve, then read all of it.
    ssize_t blen = splice(s->scratch[0], NULL, s->sieve[1], NULL, 64 * PAGE, SPLICE_F_NONBLOCK);
    if (blen <= 0 || blen > PAGE) break;
    ssize_t got = read(s->sieve[0], chunk, (size_t)blen);
    if (got != blen) break;
    const char *tag = "J";
    char dtag[8];
    {
      int same = 1;
      for (ssize_t i = 1; i < got && same; i++) same = chunk[i] == chunk[0];
      if (same && chunk[0] == 0) tag = "Z";
      else if (same) {
        // D<i>: page i of p's own file; X<i>: page i of the other process's file.
        for (int q = 0; q < 2; q++)
          for (int i = 1; i <= SP_MAX_PAGES; i++)
            if (chunk[0] == sp_data_byte(q, i)) {
              snprintf(dtag, sizeof dtag, "%c%d", q == p ? 'D' : 'X', i);
              tag = dtag;
            }
      }
    }
    // A buffer of less than a page: the last one of a read that stopped at a mid-page i_size,
    // or one a partial read() has taken the start of (its offset moved, len less).
    if (got < PAGE) snprintf(out + strlen(out), outlen - strlen(out), "%s%s:%zd", *nbufs ? "," : "", tag, got);
    else snprintf(out + strlen(out), outlen - strlen(out), "%s%s", *nbufs ? "," : "", tag);
    (*nbufs)++;
    at += got;
  }
  // Whatever a failed split left behind must not reach the next observation.
  while (read(s->sieve[0], chunk, sizeof chunk) > 0) {}
  while (read(s->scratch[0], chunk, sizeof chunk) > 0) {}
}

static void sp_observe(struct sp_state *s, struct out *o, int first) {
  // i_size of each file (the host requires them equal: the spec's one file).
  struct stat st;
  long long isize = fstat(s->f[0].tfd, &st) == 0 ? (long long)st.st_size : -1;
  long long isize2 = fstat(s->f[1].tfd, &st) == 0 ? (long long)st.st_size : -1;
  outf(o, "%s{\"isizeBytes\":%lld,\"isizeBytesOther\":%lld", first ? "" : ",", isize, isize2);
  if (s->nb_done) outf(o, ",\"nbRetBytes\":%lld", s->nb_ret);
  else outf(o, ",\"nbRetBytes\":null");
  if (s->vm_done) outf(o, ",\"vmRetBytes\":%lld", s->vm_ret);
  else outf(o, ",\"vmRetBytes\":null");
  for (int p = 0; p < 2; p++) {
    if (s->state[p] == 2) outf(o, ",\"retBytes_p%d\":%lld", p + 1, s->ret[p]);
    else outf(o, ",\"retBytes_p%d\":null", p + 1);
    if (s->state[p] == 1) {
      // Still inside splice(), holding pipe_lock: confirm the call has not returned and say
      // where it sleeps now.
      sp_wchan(s->child[p], s->wchan[p], sizeof s->wchan[p]);
      outf(o, ",\"pipe_p%d\":null,\"pipeLen_p%d\":null,\"inSplice_p%d\":%s,\"wchan_p%d\":\"%s\"", p + 1, p + 1, p + 1,
           sp_result_ready(s->res[p], 0) ? "false" : "true", p + 1, s->wchan[p]);
      continue;
    }
    char tags[64];
    int nbufs;
    sp_pipe_tags(s, p, tags, sizeof tags, &nbufs);
    outf(o, ",\"pipe_p%d\":\"%s\",\"pipeLen_p%d\":%d", p + 1, tags, p + 1, nbufs);
  }
  outf(o, "}");
}

static int op_splicepipe_script(const struct req *r, struct out *o, char *err, size_t errlen) {
  struct sp_state s;
  memset(&s, 0, sizeof s);
  s.f[0].fd = s.f[0].tfd = s.f[1].fd = s.f[1].tfd = -1;
  s.file_size = (int)req_int(r, "fileSize", 2);
  s.tail_bytes = (int)req_int(r, "tailBytes", 0);
  s.part_read = (int)req_int(r, "partReadBytes", 0);
  s.read_len = (int)req_int(r, "readLen", 2);
  s.slots = (int)req_int(r, "pipeSlots", 2);
  s.held_in = req_str(r, "heldIn", "__iomap_dio_rw");
  s.buffered = (int)req_int(r, "buffered", 0) - 1;  // 0: none, 1: p1, 2: p2
  if (s.buffered < -1 || s.buffered > 1) return snprintf(err, errlen, "splicepipe_script: buffered must be 0 (none), 1 (p1) or 2 (p2)"), -1;
  // fileSize 0: an empty file, which a Truncate may grow into a hole (SplicePipe_sparse).
  if (s.file_size < 0 || s.file_size > SP_MAX_PAGES || s.read_len < 1 || s.read_len > SP_MAX_PAGES || s.slots < 1 || s.slots > 16)
    return snprintf(err, errlen, "splicepipe_script: fileSize must be 0..%d, readLen 1..%d, pipeSlots 1..16", SP_MAX_PAGES, SP_MAX_PAGES), -1;
  if (s.tail_bytes < 0 || s.tail_bytes >= PAGE || (s.tail_bytes > 0 && s.file_size == 0))
    return snprintf(err, errlen, "splicepipe_script: tailBytes must be 0..%d, and 0 for an empty file", PAGE - 1), -1;
  for (int w = 0; w < 2; w++)
    if (sp_fs_setup(&s.f[w], w, err, errlen) < 0 || sp_file_setup(&s.f[w], w, s.file_size, s.tail_bytes, w != s.buffered, err, errlen) < 0) return -1;
  if (sp_pipes_setup(&s, err, errlen) < 0) return -1;
  outf(o, "\"obs\":[");
  const char *script = req_str(r, "steps", "");
  char step[256];
  int nsteps = 0, rc = 0;
  for (const char *p = script; rc == 0 && next_step(&p, step, sizeof step);) {
    rc = sp_step(&s, step, err, errlen);
    if (rc == 0) sp_observe(&s, o, nsteps++ == 0);
  }
  outf(o, "]");
  out_int(o, "steps", nsteps);
  // Tidy up: open the gate so no child stays asleep, reap, close; the fs stays for the slot.
  gate_open(s.f[0].gate);
  gate_open(s.f[1].gate);
  for (int p = 0; p < 2; p++) {
    if (s.state[p] == 1) {
      char e2[128];
      sp_collect(&s, p, e2, sizeof e2);
    }
    if (s.pr[p] > 0) close(s.pr[p]), close(s.pw[p]);
  }
  if (s.scratch[0] > 0) close(s.scratch[0]), close(s.scratch[1]);
  if (s.sieve[0] > 0) close(s.sieve[0]), close(s.sieve[1]);
  for (int w = 0; w < 2; w++) {
    if (s.f[w].fd >= 0) close(s.f[w].fd);
    if (s.f[w].tfd >= 0) close(s.f[w].tfd);
    unlink(s.f[w].file);
  }
  return rc;
}

static int splicepipe_op(const char *op, const struct req *r, struct out *o, char *err, size_t errlen) {
  if (strcmp(op, "splicepipe_script") != 0) return 1;
  return op_splicepipe_script(r, o, err, errlen);
}

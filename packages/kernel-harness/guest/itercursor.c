// IterCursor scenarios in the guest (included by agent.c; see src/specs/itercursor.ts).
// Returns 1 when `op` is not a IterCursor op, so run_op tries the next spec.
//
// The iov_iter cursor is kernel-internal: user space sees only where a transfer lands. After
// every step the guest therefore asks the kernel itself where a cursor that has consumed the
// scenario's bytes so far stands: a transfer through the spec's segment layout that the file
// (reads) or RLIMIT_FSIZE (writes) cuts short exactly there. The kernel walks the segments
// (6.12 include/linux/iov_iter.h iterate_iovec / iterate_ubuf, 6.1 the iterate_iovec /
// iterate_buf macros of lib/iov_iter.c, under copy_page_to_iter and copy_page_from_iter_atomic /
// copy_folio_from_iter_atomic: a zero-length segment takes nothing) and stops at the short
// count, the byte position iov_iter_advance would reach. What the guest reports per step is the
// return values; what it checks itself is that every byte landed where the iovec walk puts it
// and nowhere else.
//
// Step script (param `steps`, `;`-separated): `0` Init, `I` IterInit, `A<n>` Advance(n),
// `R<n>` Revert(n), `C<n>` Copy(n) (param `hole` only: the UserHole or IovecHole layout, ic_hole_read),
// n in model bytes. Param `type`: IOVEC (preadv/pwritev with the five segments: ITER_IOVEC) or UBUF (pread/pwrite of one range: new_sync_read/new_sync_write build
// ITER_UBUF, fs/read_write.c, 6.0+). Each transfer is done at two scales, `unit` real bytes per
// model byte (1024: model pages are real pages) and `oddUnit` (default 1021: odd segment sizes,
// odd EOF positions), read and write both: four transfers that must agree.
//
// Result: {"type":..., "steps":"r,w,ro,wo;...", "errors":"..."}: per step the bytes returned by
// the read and the write at `unit` and at `oddUnit` (a Copy step: "r,w", the read and the write
// of the copy at `unit`, -EFAULT as -14); `errors` lists every byte misplaced.

#include <sys/resource.h>

#define IC_NSEG 5
static const int ic_seg_len[IC_NSEG] = {0, 2, 0, 3, 1};  // specs/IterCursor.tla SegLen
static const int ic_seg_off[IC_NSEG] = {0, 2, 0, 0, 0};  // SegOff (in-page start, model bytes)
#define IC_TOTAL 6                                         // Total
#define IC_FLAT_START 2                                    // FlatStart (UBUF in-page start)
#define IC_BUF_PAGES 6                                     // a page per segment, one spare

// The file pattern at offset `o` and the write source pattern at array position `o`: never
// 0xEE (the buffer sentinel) and never 0, so "this byte holds that data" is exact.
static unsigned char ic_file_byte(long long o) { return disk_pattern((uint64_t)o); }
static unsigned char ic_src_byte(long long o) { return disk_pattern((uint64_t)o + 5); }

struct ic_layout {
  int nseg;
  struct iovec iov[IC_NSEG];
  long long prefix[IC_NSEG];  // bytes in the segments before segment j (array order)
  long long total;
};

// The spec's layout at `unit` bytes per model byte inside `buf` (IC_BUF_PAGES pages): IOVEC has
// segment j in page j at in-page offset SegOff[j] * unit; UBUF one range of Total * unit bytes
// at FlatStart * unit in page 0.
static void ic_layout(struct ic_layout *l, int ubuf, unsigned char *buf, long long unit) {
  memset(l, 0, sizeof *l);
  if (ubuf) {
    l->nseg = 1;
    l->iov[0].iov_base = buf + IC_FLAT_START * unit;
    l->iov[0].iov_len = (size_t)(IC_TOTAL * unit);
  } else {
    l->nseg = IC_NSEG;
    for (int j = 0; j < IC_NSEG; j++) {
      l->iov[j].iov_base = buf + (size_t)j * PAGE + (size_t)(ic_seg_off[j] * unit);
      l->iov[j].iov_len = (size_t)(ic_seg_len[j] * unit);
    }
  }
  for (int j = 0; j < l->nseg; j++) {
    l->prefix[j] = l->total;
    l->total += (long long)l->iov[j].iov_len;
  }
}

// Appends a departure to the errors text (bounded: the first few say enough).
static void ic_error(char *errors, size_t len, const char *fmt, ...) {
  size_t used = strlen(errors);
  if (used + 80 >= len) return;
  if (used > 0) errors[used++] = ' ', errors[used] = 0;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(errors + used, len - used, fmt, ap);
  va_end(ap);
}

// Bytes of segment j that a transfer of `r` bytes through the layout fills: the iovec walk's
// definition (readv(2): buffers filled in array order), not the model's cursor table.
static long long ic_expected_fill(const struct ic_layout *l, int j, long long r) {
  long long left = r - l->prefix[j];
  long long len = (long long)l->iov[j].iov_len;
  return left <= 0 ? 0 : (left < len ? left : len);
}

// A read of the layout from a tmpfs file of exactly `fsize` bytes (short read at EOF).
// Checks every byte of the buffer pages: segment bytes before the cut hold the file's data at
// their array position, every other byte still holds the sentinel.
static long long ic_read(int fd, int ubuf, unsigned char *buf, long long unit, long long fsize, const char *tag,
                         char *errors, size_t elen) {
  static unsigned char fill[IC_TOTAL * 2 * 1024];
  if (fsize < 0 || fsize > (long long)sizeof fill) return ic_error(errors, elen, "%s: file size %lld out of range", tag, fsize), -1;
  for (long long i = 0; i < fsize; i++) fill[i] = ic_file_byte(i);
  if (ftruncate(fd, 0) < 0 || (fsize > 0 && pwrite(fd, fill, (size_t)fsize, 0) != fsize))
    return ic_error(errors, elen, "%s: file setup: %s", tag, strerror(errno)), -1;
  memset(buf, 0xEE, IC_BUF_PAGES * PAGE);
  struct ic_layout l;
  ic_layout(&l, ubuf, buf, unit);
  ssize_t r = ubuf ? pread(fd, l.iov[0].iov_base, l.iov[0].iov_len, 0) : preadv(fd, l.iov, l.nseg, 0);
  if (r < 0) return ic_error(errors, elen, "%s: %s: %s", tag, ubuf ? "pread" : "preadv", strerror(errno)), -1;
  long long stray = 0;
  for (int j = 0; j < l.nseg; j++) {
    const unsigned char *b = l.iov[j].iov_base;
    long long want = ic_expected_fill(&l, j, r), placed = 0;
    while (placed < (long long)l.iov[j].iov_len && b[placed] == ic_file_byte(l.prefix[j] + placed)) placed++;
    if (placed != want) ic_error(errors, elen, "%s: segment %d holds %lld data bytes, a %zd-byte read fills %lld", tag, j + 1, placed, r, want);
  }
  // Nothing outside the filled parts of the segments may change (a walk that ran past a
  // segment end or into a zero-length segment's address would show here): blank the parts
  // that should hold data, then the whole buffer must be sentinel again.
  static unsigned char sentinel[IC_BUF_PAGES * PAGE];
  if (sentinel[0] != 0xEE) memset(sentinel, 0xEE, sizeof sentinel);
  for (int j = 0; j < l.nseg; j++) memset(l.iov[j].iov_base, 0xEE, (size_t)ic_expected_fill(&l, j, r));
  if (memcmp(buf, sentinel, sizeof sentinel) != 0)
    for (size_t a = 0; a < sizeof sentinel; a++) stray += buf[a] != 0xEE;
  if (stray) ic_error(errors, elen, "%s: %lld bytes changed outside the filled segment parts", tag, stray);
  return r;
}

// A write of the layout to an empty tmpfs file under RLIMIT_FSIZE = `limit`:
// generic_write_checks -> generic_write_check_limits cuts the iterator (iov_iter_truncate) so
// the write is short exactly there (mm/filemap.c); a limit of 0 is refused with EFBIG (and
// SIGXFSZ, ignored) rather than shortened, which counts as 0 bytes written. The file must then
// hold the source bytes in array order.
static long long ic_write(int fd, int ubuf, unsigned char *buf, long long unit, long long limit, const char *tag,
                          char *errors, size_t elen) {
  memset(buf, 0xEE, IC_BUF_PAGES * PAGE);
  struct ic_layout l;
  ic_layout(&l, ubuf, buf, unit);
  for (int j = 0; j < l.nseg; j++)
    for (long long b = 0; b < (long long)l.iov[j].iov_len; b++) ((unsigned char *)l.iov[j].iov_base)[b] = ic_src_byte(l.prefix[j] + b);
  if (ftruncate(fd, 0) < 0) return ic_error(errors, elen, "%s: truncate: %s", tag, strerror(errno)), -1;
  struct rlimit rl;
  getrlimit(RLIMIT_FSIZE, &rl);
  struct rlimit cut = {(rlim_t)limit, rl.rlim_max};
  if (setrlimit(RLIMIT_FSIZE, &cut) < 0) return ic_error(errors, elen, "%s: setrlimit: %s", tag, strerror(errno)), -1;
  ssize_t w = ubuf ? pwrite(fd, l.iov[0].iov_base, l.iov[0].iov_len, 0) : pwritev(fd, l.iov, l.nseg, 0);
  int e = errno;
  setrlimit(RLIMIT_FSIZE, &rl);
  if (w < 0 && e == EFBIG && limit == 0) w = 0;
  if (w < 0) return ic_error(errors, elen, "%s: %s: %s", tag, ubuf ? "pwrite" : "pwritev", strerror(e)), -1;
  struct stat st;
  if (fstat(fd, &st) < 0) return ic_error(errors, elen, "%s: fstat: %s", tag, strerror(errno)), -1;
  if (st.st_size != w) ic_error(errors, elen, "%s: write returned %zd but the file has %lld bytes", tag, w, (long long)st.st_size);
  static unsigned char back[IC_TOTAL * 2 * 1024];
  long long size = st.st_size < (long long)sizeof back ? st.st_size : (long long)sizeof back;
  if (pread(fd, back, (size_t)size, 0) != size) return ic_error(errors, elen, "%s: read back: %s", tag, strerror(errno)), -1;
  long long wrong = 0;
  for (long long i = 0; i < size; i++)
    if (back[i] != ic_src_byte(i)) wrong++;
  if (wrong) ic_error(errors, elen, "%s: %lld of the %lld written bytes are not the source bytes in segment order", tag, wrong, size);
  return w;
}

// The hole layouts (param `hole`): the buffer `hbuf` of `hpages` pages whose page `hpage` is
// munmap()ed (do_vmi_munmap: no VMA there). UserHole (UBUF): two pages, page 1 unmapped, the
// range at FlatStart * unit in page 0, so its bytes from HoleStart = PAGE - FlatStart on have no
// VMA. IovecHole (IOVEC): the layout's IC_BUF_PAGES pages, page 3 unmapped: segment 4 (iovec
// index 3, alone in that page) has no VMA, segments 2 and 5 are mapped (specs/IterCursor.tla
// UserHole, IovecHole). Copy(n) from the cursor at model byte `pos` is a transfer of the rest
// of the layout (its count, Total - pos) cut at n: a read from a file that ends n bytes on, a
// write under RLIMIT_FSIZE n bytes on, so the kernel's _copy_to_iter / _copy_from_iter is asked
// for min(n, count). The rest of the layout is the same buffers from the cursor on: UBUF one
// range (pread/pwrite: ITER_UBUF), IOVEC all five iovecs with the consumed bytes cut off the
// front (a consumed iovec left with length 0, so the array stays five iovecs and ITER_IOVEC
// whatever the cursor; preadv/pwritev). The copy into or out of the unmapped page faults
// (copy_to_user / copy_from_user: no VMA, VM_FAULT_SIGSEGV, the fixup returns what was not
// copied); iterate_ubuf advances by what it did copy, iterate_iovec too and stops there ("if
// (skip < p->iov_len) break": segment 5 after the hole is not reached). The syscall returns
// those bytes, or -EFAULT when there were none: shmem_file_read_iter "if (ret < nr) { error =
// -EFAULT; break; } ... return retval ? retval : error;" (filemap_read likewise),
// generic_perform_write's fault_in_iov_iter_readable(i, bytes) == bytes -> -EFAULT, "return
// written ? written : status". Only Copy touches `hbuf`: Advance and Revert (iov_iter_advance /
// iov_iter_revert move no byte) keep their cuts through the mapped layout.

// The layout `l` from data byte `from` on (see above): rest->prefix[j] is the data position
// of rest iovec j's first byte.
static void ic_rest(struct ic_layout *rest, const struct ic_layout *l, long long from) {
  *rest = *l;
  for (int j = 0; j < l->nseg; j++) {
    long long skip = from - l->prefix[j], len = (long long)l->iov[j].iov_len;
    skip = skip < 0 ? 0 : (skip > len ? len : skip);
    rest->iov[j].iov_base = (unsigned char *)l->iov[j].iov_base + skip;
    rest->iov[j].iov_len = (size_t)(len - skip);
    rest->prefix[j] = l->prefix[j] + skip;
  }
}

// The data position the byte at `a` of a mapped page holds in `rest`, or -1 outside it.
static long long ic_data_at(const struct ic_layout *rest, const unsigned char *a) {
  for (int j = 0; j < rest->nseg; j++) {
    const unsigned char *b = rest->iov[j].iov_base;
    if (a >= b && a < b + rest->iov[j].iov_len) return rest->prefix[j] + (a - b);
  }
  return -1;
}

static long long ic_hole_read(int fd, int ubuf, unsigned char *hbuf, int hpages, int hpage, long long unit, long long pos,
                              long long n, const char *tag, char *errors, size_t elen) {
  static unsigned char fill[IC_TOTAL * 2 * 1024];
  long long fsize = (pos + n) * unit;
  if (fsize < 0 || fsize > (long long)sizeof fill) return ic_error(errors, elen, "%s: file size %lld out of range", tag, fsize), -1;
  for (long long i = 0; i < fsize; i++) fill[i] = ic_file_byte(i);
  if (ftruncate(fd, 0) < 0 || (fsize > 0 && pwrite(fd, fill, (size_t)fsize, 0) != fsize))
    return ic_error(errors, elen, "%s: file setup: %s", tag, strerror(errno)), -1;
  for (int pg = 0; pg < hpages; pg++)
    if (pg != hpage) memset(hbuf + (size_t)pg * PAGE, 0xEE, PAGE);
  struct ic_layout l, rest;
  ic_layout(&l, ubuf, hbuf, unit);
  ic_rest(&rest, &l, pos * unit);
  ssize_t r = ubuf ? pread(fd, rest.iov[0].iov_base, rest.iov[0].iov_len, pos * unit)
                   : preadv(fd, rest.iov, rest.nseg, pos * unit);
  int e = errno;
  if (r < 0 && e != EFAULT) return ic_error(errors, elen, "%s: %s: %s", tag, ubuf ? "pread" : "preadv", strerror(e)), -1;
  long long got = r < 0 ? 0 : r, bad = 0;
  // The mapped pages: the copied bytes hold the file's bytes from the cursor on, in array
  // order, every other byte the sentinel (a copy that wrote past its return, before the
  // cursor, or into segment 5 after the hole shows here).
  for (int pg = 0; pg < hpages; pg++) {
    if (pg == hpage) continue;
    for (long long a = 0; a < PAGE; a++) {
      const unsigned char *at = hbuf + (size_t)pg * PAGE + a;
      long long x = ic_data_at(&rest, at);
      bad += *at != (x >= 0 && x < pos * unit + got ? ic_file_byte(x) : 0xEE);
    }
  }
  if (bad) ic_error(errors, elen, "%s: %lld bytes of the mapped pages differ from a %lld-byte copy at the cursor", tag, bad, got);
  return r < 0 ? -e : r;
}

static long long ic_hole_write(int fd, int ubuf, unsigned char *hbuf, int hpages, int hpage, long long unit, long long pos,
                               long long n, const char *tag, char *errors, size_t elen) {
  struct ic_layout l, rest;
  ic_layout(&l, ubuf, hbuf, unit);
  ic_rest(&rest, &l, pos * unit);
  for (int pg = 0; pg < hpages; pg++) {
    if (pg == hpage) continue;
    memset(hbuf + (size_t)pg * PAGE, 0xEE, PAGE);
    for (long long a = 0; a < PAGE; a++) {
      unsigned char *at = hbuf + (size_t)pg * PAGE + a;
      long long x = ic_data_at(&l, at);
      if (x >= 0) *at = ic_src_byte(x);
    }
  }
  if (ftruncate(fd, 0) < 0) return ic_error(errors, elen, "%s: truncate: %s", tag, strerror(errno)), -1;
  struct rlimit rl;
  getrlimit(RLIMIT_FSIZE, &rl);
  struct rlimit cut = {(rlim_t)((pos + n) * unit), rl.rlim_max};
  if (setrlimit(RLIMIT_FSIZE, &cut) < 0) return ic_error(errors, elen, "%s: setrlimit: %s", tag, strerror(errno)), -1;
  ssize_t w = ubuf ? pwrite(fd, rest.iov[0].iov_base, rest.iov[0].iov_len, pos * unit)
                   : pwritev(fd, rest.iov, rest.nseg, pos * unit);
  int e = errno;
  setrlimit(RLIMIT_FSIZE, &rl);
  if (w < 0 && e != EFAULT) return ic_error(errors, elen, "%s: %s: %s", tag, ubuf ? "pwrite" : "pwritev", strerror(e)), -1;
  struct stat st;
  if (fstat(fd, &st) < 0) return ic_error(errors, elen, "%s: fstat: %s", tag, strerror(errno)), -1;
  // A write of nothing leaves the empty file empty, or (kernels whose generic_perform_write
  // calls write_begin before the fault-in, "'folio' is now unlocked and faults on it can be
  // handled", then write_end with copied 0: "if (pos + copied > inode->i_size)
  // i_size_write") sized up to the cursor with no byte written: a hole, read back as zeroes.
  long long size = w > 0 ? pos * unit + w : 0;
  int grown = w <= 0 && size == 0 && st.st_size == pos * unit && pos > 0;
  if (st.st_size != size && !grown) ic_error(errors, elen, "%s: write returned %zd at %lld but the file has %lld bytes", tag, w, pos * unit, (long long)st.st_size);
  static unsigned char back[IC_TOTAL * 2 * 1024];
  long long got = w > 0 && w <= (long long)sizeof back ? w : 0, wrong = 0;
  if (got > 0 && pread(fd, back, (size_t)got, pos * unit) != got) return ic_error(errors, elen, "%s: read back: %s", tag, strerror(errno)), -1;
  for (long long k = 0; k < got; k++) wrong += back[k] != ic_src_byte(pos * unit + k);
  if (wrong) ic_error(errors, elen, "%s: %lld of the %lld written bytes are not the layout's bytes from the cursor", tag, wrong, got);
  if (grown) {
    long long z = pos * unit <= (long long)sizeof back ? pos * unit : (long long)sizeof back, nz = 0;
    if (pread(fd, back, (size_t)z, 0) != z) return ic_error(errors, elen, "%s: read back: %s", tag, strerror(errno)), -1;
    for (long long k = 0; k < z; k++) nz += back[k] != 0;
    if (nz) ic_error(errors, elen, "%s: a write of nothing left %lld non-zero bytes in the file", tag, nz);
  }
  return w < 0 ? -e : w;
}

static int op_itercursor_script(const struct req *r, struct out *o, char *err, size_t errlen) {
  const char *type = req_str(r, "type", "");
  const char *script = req_str(r, "steps", "");
  long long unit = req_int(r, "unit", 1024), odd = req_int(r, "oddUnit", 1021);
  int ubuf = strcmp(type, "UBUF") == 0;
  int hole = (int)req_int(r, "hole", 0);
  if (!ubuf && strcmp(type, "IOVEC") != 0)
    return snprintf(err, errlen, "itercursor: type %s is not realisable from user space (IOVEC or UBUF)", type), -1;
  if (unit < 1 || unit > 1024 || odd < 1 || odd > 1024)
    return snprintf(err, errlen, "itercursor: unit %lld / oddUnit %lld outside 1..1024 (the layout must fit its pages)", unit, odd), -1;
  signal(SIGXFSZ, SIG_IGN);
  unsigned char *buf = page_buffer(IC_BUF_PAGES);
  if (!buf) return snprintf(err, errlen, "mmap: %s", strerror(errno)), -1;
  // The hole layouts (see ic_hole_read): UserHole two pages, the second munmap()ed (the
  // range's tail has no VMA); IovecHole the layout's pages, segment 4's page munmap()ed (the
  // VMA split in two around it).
  unsigned char *hbuf = NULL, *fbuf = NULL;
  int hpages = ubuf ? 2 : IC_BUF_PAGES, hpage = ubuf ? 1 : 3;
  if (hole) {
    hbuf = page_buffer((size_t)hpages);
    if (!hbuf || munmap(hbuf + (size_t)hpage * PAGE, PAGE) < 0) return snprintf(err, errlen, "itercursor hole: %s", strerror(errno)), -1;
  }
  // UserHole's other way (the reference driver's 'file_eof'): the two pages a MAP_PRIVATE
  // mapping of a tmpfs file of half a page, so page 1 has a VMA but lies wholly past i_size:
  // a fault there is VM_FAULT_SIGBUS (mm/shmem.c shmem_fault -> shmem_get_folio_gfp(SGP_CACHE)
  // "index << PAGE_SHIFT >= i_size_read(inode)": -EINVAL, vmf_error; filemap_fault likewise),
  // which a user copy's fixup turns into a short copy (arch/x86/mm/fault.c do_sigbus ->
  // kernelmode_fixup_or_oops), as no VMA does. Every Copy runs through both buffers and must
  // get the same answers.
  if (hole && ubuf) {
    char epath[64];
    snprintf(epath, sizeof epath, "/tmp/itercursor-eof-%d", getpid());
    int efd = open(epath, O_RDWR | O_CREAT | O_TRUNC, 0600);
    if (efd < 0) return snprintf(err, errlen, "itercursor eof file: %s", strerror(errno)), -1;
    unlink(epath);
    void *m = ftruncate(efd, PAGE / 2) < 0 ? MAP_FAILED : mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE, efd, 0);
    int e = errno;
    close(efd);
    if (m == MAP_FAILED) return snprintf(err, errlen, "itercursor eof mapping: %s", strerror(e)), -1;
    fbuf = m;
  }
  char path[64];
  snprintf(path, sizeof path, "/tmp/itercursor-%d", getpid());
  int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
  if (fd < 0) return snprintf(err, errlen, "itercursor open: %s", strerror(errno)), -1;
  unlink(path);
  static char errors[1024];
  errors[0] = 0;
  // pos: model bytes the cursor has consumed, as the kernel's last read returned them.
  long long pos = 0;
  int started = 0;
  out_str(o, "type", type);
  outf(o, ",\"steps\":\"");
  const char *p = script;
  int nsteps = 0;
  char step[16];
  while (next_step(&p, step, sizeof step)) {
    size_t k = strlen(step);
    // The bytes the kernel should have consumed after this step, or a full transfer (-1).
    long long target;
    long long n = k > 1 ? strtoll(step + 1, NULL, 10) : 0;
    if (strcmp(step, "0") == 0) target = -2;  // no iterator: a preadv of no segments
    else if (strcmp(step, "I") == 0) target = -1, started = 1;
    else if (!started) return close(fd), snprintf(err, errlen, "itercursor: step %d (%s) before IterInit", nsteps, step), -1;
    else if (step[0] == 'A' && n >= 0) target = pos + n;
    else if (step[0] == 'R' && n >= 0) {
      // The kernel BUG()s (UBUF) or walks off the iovec array (IOVEC) here: user space cannot
      // ask for it, and the fixed design (RevertGuard) never does.
      if (n > pos) return close(fd), snprintf(err, errlen, "itercursor: step %d Revert(%lld) past the start (consumed %lld) is not realisable", nsteps, n, pos), -1;
      target = pos - n;
    } else if (step[0] == 'C' && n >= 0) {
      if (!hole) return close(fd), snprintf(err, errlen, "itercursor: step %d Copy without a hole layout (param hole)", nsteps), -1;
      target = -3;
    } else
      return close(fd), snprintf(err, errlen, "itercursor: bad step \"%s\"", step), -1;
    long long res[4] = {0, 0, 0, 0};
    if (target == -3) {
      // Copy(n) at the kernel's last position: read and write at `unit` only (at the odd
      // scale the page end would not fall on a model byte). The cursor moves by what the read
      // copied (-EFAULT: nothing).
      char tag[48];
      snprintf(tag, sizeof tag, "step %d copy read", nsteps);
      res[0] = ic_hole_read(fd, ubuf, hbuf, hpages, hpage, unit, pos, n, tag, errors, sizeof errors);
      snprintf(tag, sizeof tag, "step %d copy write", nsteps);
      res[1] = ic_hole_write(fd, ubuf, hbuf, hpages, hpage, unit, pos, n, tag, errors, sizeof errors);
      if (fbuf) {
        snprintf(tag, sizeof tag, "step %d copy read past EOF", nsteps);
        long long fr = ic_hole_read(fd, ubuf, fbuf, hpages, hpage, unit, pos, n, tag, errors, sizeof errors);
        snprintf(tag, sizeof tag, "step %d copy write past EOF", nsteps);
        long long fw = ic_hole_write(fd, ubuf, fbuf, hpages, hpage, unit, pos, n, tag, errors, sizeof errors);
        if (fr != res[0] || fw != res[1])
          ic_error(errors, sizeof errors, "step %d copy: read %lld / write %lld through the page past EOF, %lld / %lld through the unmapped page", nsteps, fr, fw, res[0], res[1]);
      }
      long long got = res[0] == -EFAULT ? 0 : res[0];
      if (got < 0 || got % unit != 0) {
        close(fd);
        outf(o, "\"");
        out_str(o, "errors", errors);
        return snprintf(err, errlen, "itercursor: step %d copy read returned %lld, not a whole number of model bytes (%s)", nsteps, res[0], errors), -1;
      }
      pos += got / unit;
      outf(o, "%s%lld,%lld", nsteps ? ";" : "", res[0], res[1]);
      nsteps++;
      continue;
    }
    if (target == -2) {
      struct iovec none;
      ssize_t z = preadv(fd, &none, 0, 0);
      res[0] = res[1] = res[2] = res[3] = z < 0 ? -errno : z;
    } else {
      // A full transfer takes a file (or limit) longer than the layout; Advance past the end
      // does too (any length past the layout is the same cut): the kernel clamps to count.
      long long units = target < 0 || target > 2 * IC_TOTAL ? 2 * IC_TOTAL : target;
      char tag[48];
      const long long scale[2] = {unit, odd};
      for (int s = 0; s < 2; s++) {
        snprintf(tag, sizeof tag, "step %d read unit %lld", nsteps, scale[s]);
        res[2 * s] = ic_read(fd, ubuf, buf, scale[s], units * scale[s], tag, errors, sizeof errors);
        snprintf(tag, sizeof tag, "step %d write unit %lld", nsteps, scale[s]);
        res[2 * s + 1] = ic_write(fd, ubuf, buf, scale[s], units * scale[s], tag, errors, sizeof errors);
      }
      if (target >= 0) {
        if (res[0] < 0 || res[0] % unit != 0) {
          close(fd);
          outf(o, "\"");
          out_str(o, "errors", errors);
          return snprintf(err, errlen, "itercursor: step %d read returned %lld, not a whole number of model bytes (%s)", nsteps, res[0], errors), -1;
        }
        pos = res[0] / unit;  // from the kernel's answer, not from the model
      } else {
        pos = 0;
      }
    }
    outf(o, "%s%lld,%lld,%lld,%lld", nsteps ? ";" : "", res[0], res[1], res[2], res[3]);
    nsteps++;
  }
  outf(o, "\"");
  close(fd);
  if (hbuf) munmap(hbuf, (size_t)hpages * PAGE);
  if (fbuf) munmap(fbuf, 2 * PAGE);
  out_str(o, "errors", errors);
  out_int(o, "unit", unit);
  out_int(o, "oddUnit", odd);
  return 0;
}

static int itercursor_op(const char *op, const struct req *r, struct out *o, char *err, size_t errlen) {
  if (strcmp(op, "itercursor_script") == 0) return op_itercursor_script(r, o, err, errlen);
  return 1;
}

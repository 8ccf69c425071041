// Kernel profiles: the behaviour knobs that differ between the kernels pinlab models.
// Each knob is derived from kernel history recorded in /work/shared/kernel-facts.md and must
// agree with specs/profiles.json (a test checks the names).

export type ProfileName = 'linux-6.1' | 'linux-6.12' | 'bvecq-rfc';

export type IterTypeName =
  | 'ITER_UBUF'
  | 'ITER_IOVEC'
  | 'ITER_KVEC'
  | 'ITER_BVEC'
  | 'ITER_XARRAY'
  | 'ITER_FOLIOQ'
  | 'ITER_BVECQ'
  | 'ITER_DISCARD'
  | 'ITER_PIPE';

export interface KernelProfile {
  readonly name: ProfileName;
  /** Upstream version the profile follows; null for a design that never shipped as-is. */
  readonly kernel: string | null;
  readonly description: string;
  /**
   * How block O_DIRECT (bio_iov_iter_get_pages) holds user pages. 6.1: iov_iter_get_pages2()
   * takes FOLL_GET refs; 6.5+: iov_iter_extract_pages() pins with FOLL_PIN (block/bio.c).
   */
  readonly dio_foll: 'FOLL_GET' | 'FOLL_PIN';
  /**
   * The bio cleanup-mode flag the kernel has. 6.1: BIO_NO_PAGE_REF (set when the bio holds no
   * page refs, e.g. bvec iterators); 6.5+: BIO_PAGE_PINNED (set when pages were pinned).
   */
  readonly bio_cleanup_flag: 'BIO_NO_PAGE_REF' | 'BIO_PAGE_PINNED';
  /**
   * How a file's splice_read works. 6.1: generic_file_splice_read() over ITER_PIPE;
   * 6.5+: filemap_splice_read() for buffered and direct_splice_read() for O_DIRECT (fs/splice.c).
   */
  readonly splice_read: 'ITER_PIPE' | 'filemap_direct';
  /**
   * The O_DIRECT splice clips its length to i_size before allocating pages (seed 002 ver #20,
   * "splice: Make direct_read_splice() limit to eof where appropriate"). That patch was rejected
   * on review (Linus, Christoph Hellwig, May 2023) and never merged: upstream copy_splice_read()
   * and vfs_splice_read() (fs/splice.c, 6.5 through 6.12) clip only to the pipe's free space and
   * MAX_RW_COUNT, allocate DIV_ROUND_UP(len, PAGE_SIZE) pages, and release the ones the read did
   * not reach. So it is false for every shipped kernel; true only describes the ver #20 design.
   */
  readonly direct_splice_eof_limit: boolean;
  /** iov_iter_extract_pages() and iov_iter_extract_will_pin() exist (landed in 6.3). */
  readonly has_extract_api: boolean;
  /**
   * Before "mm: Don't pin ZERO_PAGE in pin_user_pages()" (6.5, and in 6.1.y: Debian 6.1.192's
   * mm/gup.c has it) pins on the zero page were taken and counted. False on every profile here;
   * the fault gup_pin_zero_page re-creates the kernels before it.
   */
  readonly zero_page_pinned: boolean;
  /**
   * gup_must_unshare() also unshares R/O FOLL_LONGTERM pins of non-anonymous pages (the zero
   * page) in COW mappings ("mm/gup: reliable R/O long-term pinning in COW mappings", 6.2).
   */
  readonly longterm_ro_pin_unshares: boolean;
  /** seed 004: bvecq chains and ITER_BVECQ. */
  readonly has_bvecq: boolean;
  /**
   * iov_iter_extract_bvec_pages() walks page by page into the following bvecs (e4e535bff2bc,
   * "iov_iter: don't require contiguous pages in iov_iter_extract_bvec_pages", 6.13): the RFC's
   * base has it. 6.3-6.12 list one bvec per call (Debian's 6.12.117 lib/iov_iter.c read).
   */
  readonly extract_bvec_page_walk: boolean;
  /**
   * io_pin_pages() refuses a fixed buffer in file-backed memory other than shmem/hugetlbfs, or
   * across vmas of different files ("don't support file backed memory", Debian 6.1.192
   * io_uring/rsrc.c). 6.5 dropped it ("io_uring: rsrc: delegate VMA file-backed check to GUP"):
   * Debian 6.12.117's io_pin_pages looks at no vma.
   */
  readonly io_uring_vma_file_check: boolean;
  /** Iterator types this kernel has (include/linux/uio.h enum iter_type). */
  readonly iter_types: readonly IterTypeName[];
  /** Iterator types iov_iter_extract_pages() accepts (lib/iov_iter.c); empty without the API. */
  readonly extract_types: readonly IterTypeName[];
}

const LINUX_6_1: KernelProfile = {
  name: 'linux-6.1',
  kernel: '6.1',
  description:
    'Debian bookworm 6.1: block DIO takes FOLL_GET refs (BIO_NO_PAGE_REF), ITER_PIPE splice, no extract API, zero page never pinned ("mm: Don\'t pin ZERO_PAGE" is in 6.1.192)',
  dio_foll: 'FOLL_GET',
  bio_cleanup_flag: 'BIO_NO_PAGE_REF',
  splice_read: 'ITER_PIPE',
  direct_splice_eof_limit: false,
  has_extract_api: false,
  zero_page_pinned: false,
  longterm_ro_pin_unshares: false,
  has_bvecq: false,
  extract_bvec_page_walk: false,
  io_uring_vma_file_check: true,
  // ITER_UBUF landed in 6.0; ITER_FOLIOQ only in 6.12.
  iter_types: [
    'ITER_UBUF',
    'ITER_IOVEC',
    'ITER_KVEC',
    'ITER_BVEC',
    'ITER_PIPE',
    'ITER_XARRAY',
    'ITER_DISCARD',
  ],
  extract_types: [],
};

const LINUX_6_12: KernelProfile = {
  name: 'linux-6.12',
  kernel: '6.12',
  description:
    'Debian trixie 6.12: block DIO pins with FOLL_PIN (BIO_PAGE_PINNED), filemap/copy splice (no EOF clip before allocating), iov_iter_extract_pages, zero page never pinned',
  dio_foll: 'FOLL_PIN',
  bio_cleanup_flag: 'BIO_PAGE_PINNED',
  splice_read: 'filemap_direct',
  direct_splice_eof_limit: false,
  has_extract_api: true,
  zero_page_pinned: false,
  longterm_ro_pin_unshares: true,
  has_bvecq: false,
  extract_bvec_page_walk: false,
  io_uring_vma_file_check: false,
  iter_types: [
    'ITER_UBUF',
    'ITER_IOVEC',
    'ITER_KVEC',
    'ITER_BVEC',
    'ITER_FOLIOQ',
    'ITER_XARRAY',
    'ITER_DISCARD',
  ],
  extract_types: [
    'ITER_UBUF',
    'ITER_IOVEC',
    'ITER_KVEC',
    'ITER_BVEC',
    'ITER_FOLIOQ',
    'ITER_XARRAY',
  ],
};

const BVECQ_RFC: KernelProfile = {
  name: 'bvecq-rfc',
  kernel: null,
  description:
    'seed 004 (RFC, March 2026): 6.12 pinning design plus bvecq chains and ITER_BVECQ; ITER_FOLIOQ removed',
  dio_foll: 'FOLL_PIN',
  bio_cleanup_flag: 'BIO_PAGE_PINNED',
  splice_read: 'filemap_direct',
  direct_splice_eof_limit: false,
  has_extract_api: true,
  zero_page_pinned: false,
  longterm_ro_pin_unshares: true,
  has_bvecq: true,
  extract_bvec_page_walk: true,
  io_uring_vma_file_check: false,
  iter_types: [
    'ITER_UBUF',
    'ITER_IOVEC',
    'ITER_KVEC',
    'ITER_BVEC',
    'ITER_BVECQ',
    'ITER_XARRAY',
    'ITER_DISCARD',
  ],
  // seed 004 removes ITER_FOLIOQ and adds ITER_BVECQ extraction (its removal of KVEC/BVEC
  // extraction is for CIFS RDMA only, item 11).
  extract_types: ['ITER_UBUF', 'ITER_IOVEC', 'ITER_KVEC', 'ITER_BVEC', 'ITER_BVECQ', 'ITER_XARRAY'],
};

export const PROFILES: Readonly<Record<ProfileName, KernelProfile>> = {
  'linux-6.1': LINUX_6_1,
  'linux-6.12': LINUX_6_12,
  'bvecq-rfc': BVECQ_RFC,
};

export const PROFILE_NAMES: readonly ProfileName[] = ['linux-6.1', 'linux-6.12', 'bvecq-rfc'];

export function isProfileName(name: string): name is ProfileName {
  return Object.hasOwn(PROFILES, name);
}

/** Looks a profile up by name; an unknown name is an error that lists the known ones. */
export function getProfile(name: string): KernelProfile {
  if (!isProfileName(name)) {
    throw new Error(
      `unknown kernel profile "${name}"; known profiles: ${PROFILE_NAMES.join(', ')}`,
    );
  }
  return PROFILES[name];
}

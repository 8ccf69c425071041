// Opt-in historical bugs. A fault re-creates a bug that once existed (or a legacy design run on
// a kernel that has moved on) so that invariants and generated tests can show they catch it.
// Faults are selected per kernel context: createKernel(profile, { faults: [...] }).

export type FaultName =
  | 'legacy_foll_get_dio'
  | 'kvec_offset0'
  | 'bvec_reads_kvec'
  | 'xarray_hole_underflow'
  | 'extract_array_leak'
  | 'over_revert'
  | 'extract_zero_skip'
  | 'iter_pipe_truncate_revert'
  | 'bvecq_unordered_dio_write'
  | 'bvecq_read_too_much'
  | 'bvecq_collect_only_refs'
  | 'bvecq_pos_advance_v1'
  | 'bvecq_pos_advance_v3'
  | 'fork_share_pinned'
  | 'bio_release_wrong_mode'
  | 'bio_release_unpin_all'
  | 'gup_pin_zero_page'
  | 'direct_splice_no_eof_limit'
  | 'direct_splice_eof_limit_v20'
  | 'kvec_sg_length'
  | 'rdma_unwind_post_decrement'
  | 'folioq_get_pages_slot'
  | 'iomap_dio_no_eof_revert'
  | 'xarray_get_pages_maths'
  | 'bvecq_empty_seg_v1'
  | 'netfs_extract_user_iter_empty'
  | 'discard_advance_underflow'
  | 'extract_bvec_skip_size'
  | 'splice_no_pipe_room_clip'
  | 'splice_isize_before_uptodate'
  | 'xarray_sg_offset'
  | 'iterate_folioq_offset_at_end';

export interface FaultInfo {
  readonly name: FaultName;
  /** Which part of the reference implementation applies it. */
  readonly area: 'block' | 'iov_iter' | 'splice' | 'bvecq' | 'mm' | 'netfs';
  /** What the bug does and where it came from. */
  readonly description: string;
  /** The invariant(s) expected to catch it. */
  readonly caught_by: readonly string[];
}

export const FAULTS: Readonly<Record<FaultName, FaultInfo>> = {
  legacy_foll_get_dio: {
    name: 'legacy_foll_get_dio',
    area: 'block',
    description:
      'block DIO (bio_iov_iter_get_pages) takes FOLL_GET refs via iov_iter_get_pages2() on a kernel that otherwise pins: the pre-6.5 design, whose DIO-read vs fork race hands the data to the child',
    caught_by: ['parent_sees_dio_data'],
  },
  kvec_offset0: {
    name: 'kvec_offset0',
    area: 'iov_iter',
    description:
      'iov_iter_extract_kvec_pages() forgets the in-page offset in *offset0 (fixed in ver #11 of the extraction series, seed 002)',
    caught_by: ['extract_matches_iterator'],
  },
  bvec_reads_kvec: {
    name: 'bvec_reads_kvec',
    area: 'iov_iter',
    description:
      'iov_iter_extract_bvec_pages() reads i->kvec instead of i->bvec (fixed in ver #10, seed 002)',
    caught_by: ['extract_result_consistent'],
  },
  xarray_hole_underflow: {
    name: 'xarray_hole_underflow',
    area: 'iov_iter',
    description:
      'iov_iter_extract_xarray_pages() over a hole (nr == 0) underflows the size and advances anyway (fixed 2026; Debian 6.12.117 still has it)',
    caught_by: ['extract_result_consistent', 'iter_count_consistent'],
  },
  extract_array_leak: {
    name: 'extract_array_leak',
    area: 'iov_iter',
    description:
      'iov_iter_extract_user_pages() leaks the page array it allocated (want_pages_array) when pin_user_pages_fast() returns <= 0 (fixed 2026; Debian 6.12.117 still has it). No pin leaks: pin_user_pages_fast() returns the count pinned when any page was pinned, so a failure means none was',
    caught_by: ['no_leaked_page_arrays'],
  },
  over_revert: {
    name: 'over_revert',
    area: 'iov_iter',
    description:
      'iov_iter_revert() by more than was advanced walks back past the iterator start (the hazard seed 004 removes by remembering the start)',
    caught_by: ['no_over_reversion'],
  },
  extract_zero_skip: {
    name: 'extract_zero_skip',
    area: 'iov_iter',
    description:
      'iov_iter_extract_kvec_pages() and iov_iter_extract_bvec_pages() of 6.3-6.5 store min(maxsize, len - skip) back into maxsize in their zero-length skip loops: a skipped empty kvec or bvec leaves maxsize 0, so the loop steps over every later segment to nr_segs == 0 and returns 0 with count untouched (fixed in both by "iov_iter: Fix iov_iter_extract_pages()", D. Howells, Sep 2023, Fixes: 7d58fe731028)',
    caught_by: ['iter_count_consistent'],
  },
  iter_pipe_truncate_revert: {
    name: 'iter_pipe_truncate_revert',
    area: 'splice',
    description:
      'generic_file_splice_read() over ITER_PIPE: an O_DIRECT read cut short by truncate calls iov_iter_revert() on the pipe, freeing pipe buffers still attached to an in-flight bio (memory corruption; syzbot, seed 002)',
    caught_by: ['no_dma_into_freed_page'],
  },
  bvecq_unordered_dio_write: {
    name: 'bvecq_unordered_dio_write',
    area: 'bvecq',
    description: 'bvecq DIO write subrequests dispatched out of strict sequence (seed 004)',
    caught_by: ['bvecq_write_cursor_order', 'bvecq_no_write_hole'],
  },
  bvecq_read_too_much: {
    name: 'bvecq_read_too_much',
    area: 'bvecq',
    description:
      'a read subrequest returns more data than requested and the collector accepts it (seed 004: "Check for too much data being read")',
    caught_by: ['bvecq_read_cursor_order'],
  },
  bvecq_collect_only_refs: {
    name: 'bvecq_collect_only_refs',
    area: 'bvecq',
    description:
      'only the collect cursor of a buffered read holds a bvecq segment ref, as PATCH 18/26 "netfs: Switch to using bvecq rather than folio_queue and rolling_buffer" (D. Howells, 26 Mar 2026) note (1) suggests ("probably overkill as only the hindmost position (that of collection) needs to hold a reference"): a dispatch cursor or subrequest position left at the end of a segment whose successor did not exist yet (bvecq_slice) points into that segment after the collector frees it',
    caught_by: ['bvecq_no_free_while_referenced'],
  },
  bvecq_pos_advance_v1: {
    name: 'bvecq_pos_advance_v1',
    area: 'bvecq',
    description:
      'bvecq_pos_advance() as "[RFC PATCH 05/17] netfs: Add some tools for managing bvecq chains" (D. Howells, 4 Mar 2026; unchanged in the 26-patch posting of 26 Mar) posted it: "part = umin(bv->bv_len - offset, amount); if (likely(part < bv->bv_len)) { offset += part; break; }" compares what is left of the slot with the whole slot, so from inside a slot (offset > 0) the position stops at the end of that slot whatever amount was asked for. "[PATCH v3 09/22]" (8 Jun 2026) has "part = bq->bv[slot].bv_len - offset; if (part > amount) { offset += amount; break; }" (v2: "Fixed a number of bugs reported by Sashiko"). The RFC\'s DIO write advances the dispatch cursor from a short subrequest\'s dispatch_pos by what was written (RFC 10/17 netfs_unbuffered_write_collect) and slices the reissue from there: from a user buffer that starts inside a page, a short write of any subrequest but the first leaves the cursor behind dispatched_to and the reissue sends the wrong bytes. Only the in-slot test is re-created (not v1\'s end-of-queue handling)',
    caught_by: ['bvecq_write_cursor_order'],
  },
  bvecq_pos_advance_v3: {
    name: 'bvecq_pos_advance_v3',
    area: 'bvecq',
    description:
      'bvecq_pos_advance() as "[PATCH v3 09/22] netfs: Add some tools for managing bvecq chains" (D. Howells, 8 Jun 2026) posted it: "while (bvecq_acquire_slot(bq, slot)) { if (!bq->next) { WARN_ON_ONCE(amount > 0); break; } bq = bq->next; slot = 0; }" then "part = bq->bv[slot].bv_len - offset;" tests the slot the wrong way round (bvecq_acquire_slot() is true for a slot in use), so from a slot in use the position steps to ->next, skipping the rest of its segment, and on the last segment every advance WARNs and, the break leaving only the inner loop, consumes the slot. Fixed in ver #4 ("Fixed slot validity check polarity in bvecq_pos_advance(); also don\'t use inner loop otherwise break then exits the wrong loop"): "if (!bvecq_acquire_slot(bq, slot)) { next = bvecq_next(bq); if (!next) { WARN_ON_ONCE(amount > 0); break; } ...". The collection of a short DIO write advances the dispatch cursor from the subrequest\'s dispatch_pos by what was written (netfs_unbuffered_write_collect), so a short write of a buffer of one segment WARNs there. Only the slot-in-use half is re-created (v3\'s step keeps the offset, and its read of bq->bv[slot] for a slot not in use is not). The reference\'s buffered-read collector follows collected_to with bvecq_pos_advance where the RFC steps slot by slot (netfs_read_unlock_folios), so under this fault it also WARNs there, which v3 does not: no read config uses the fault',
    caught_by: ['bvecq_write_cursor_order'],
  },
  fork_share_pinned: {
    name: 'fork_share_pinned',
    area: 'mm',
    description:
      'copy_present_pte() ignores folio_maybe_dma_pinned() and COW-shares pinned anonymous pages, as before 5.9 (commit 70e806e4e645 "mm: Do early cow for pinned pages during fork() for ptes")',
    caught_by: ['parent_sees_dio_data'],
  },
  bio_release_wrong_mode: {
    name: 'bio_release_wrong_mode',
    area: 'block',
    description:
      "bio_release_page() drops pinned pages with put_page() instead of unpin_user_page() (cleanup mode not matching acquisition; the reason for the BIO_PAGE_* flags, seed 001); the zero page is spared where GUP did not pin it. The spec's PinUnpin ReleaseAs = PUT_PINNED",
    caught_by: ['release_matches_acquisition', 'pin_balance_at_quiescence'],
  },
  bio_release_unpin_all: {
    name: 'bio_release_unpin_all',
    area: 'block',
    description:
      'the bio completion unpins every page it lists (unpin_user_page), ignoring iov_iter_extract_will_pin() and BIO_PAGE_PINNED: pages of KVEC/BVEC/XARRAY/queue iterators were never pinned, so each unpin underflows (GUP_PIN_COUNTING_BIAS off the refcount of a small folio). The misuse the cleanup-mode flags exist to prevent (seed 001: "the caller must use iov_iter_extract_will_pin() to find out how to clean up"); the spec\'s ReleaseAs = ALWAYS_UNPIN',
    caught_by: ['no_pin_underflow', 'pin_balance_at_quiescence'],
  },
  gup_pin_zero_page: {
    name: 'gup_pin_zero_page',
    area: 'mm',
    description:
      'try_grab_folio() / gup_put_folio() pin (and count in nr_foll_pin_*) the shared zero page, as before "mm: Don\'t pin ZERO_PAGE in pin_user_pages()" (6.5; Debian 6.1.192 has it too); on a profile that skips it (zero_page_pinned false: all of them). The spec\'s PinZeroPage on a pinning kernel (6.3/6.4)',
    caught_by: ['zero_page_never_pinned'],
  },
  direct_splice_no_eof_limit: {
    name: 'direct_splice_no_eof_limit',
    area: 'splice',
    description:
      'direct_splice_read() without the EOF limit of seed 002 ver #20: it allocates pages for the whole request even past i_size. Only meaningful on a profile with direct_splice_eof_limit (the ver #20 design); no shipped kernel has that limit (fs/splice.c copy_splice_read clips to the pipe, not to EOF)',
    caught_by: ['splice_within_eof'],
  },
  direct_splice_eof_limit_v20: {
    name: 'direct_splice_eof_limit_v20',
    area: 'splice',
    description:
      'not a bug: the seed 002 ver #20 design of direct_splice_read ("splice: Make direct_read_splice() limit to eof where appropriate", rejected in review, never merged) on a 6.12 kernel: copy_splice_read clips the length to i_size before allocating, so it allocates no page past EOF. It re-creates SplicePipe_eof_limit_v20 (LimitToEof) on the reference; caught_by names the check of that promise (splice_within_eof), which must stay silent',
    caught_by: ['splice_within_eof'],
  },
  kvec_sg_length: {
    name: 'kvec_sg_length',
    area: 'netfs',
    description:
      'extract_kvec_to_sg() gives each element the kvec piece\'s remaining length instead of its page part and counts the whole piece in ret when sg_max runs out, so elements run past their page and the iterator advances past bytes no element describes (6.3 018584697533 until 07b7d66e65d9 "lib/scatterlist: fix length calculations in extract_kvec_to_sg", 2026)',
    caught_by: ['sg_element_within_folio', 'extract_describes_exactly'],
  },
  rdma_unwind_post_decrement: {
    name: 'rdma_unwind_post_decrement',
    area: 'netfs',
    description:
      'smb_extract_iter_to_rdma() unwinds a failed mapping with &rdma->sge[rdma->nr_sge--]: it unmaps the slot past the last SGE and leaves the call\'s first SGE DMA-mapped (fixed by "smb: client: Fix error cleanup in smb_extract_iter_to_rdma()", 2026; Debian 6.12.117 still has it)',
    caught_by: ['rdma_mappings_owned'],
  },
  xarray_sg_offset: {
    name: 'xarray_sg_offset',
    area: 'netfs',
    description:
      "extract_xarray_to_sg() computes each folio's element offset as offset_in_folio(folio, start) with start the call's first file position, never advanced (lib/scatterlist.c from f5f82cd18732 until \"scatterlist: Fix offset in folio calc in extract_xarray_to_sg()\", 2026, Fixes: f5f82cd18732, which takes offset_in_folio(folio, start + ret); Debian 6.12.117 lib/scatterlist.c still has it): a walk that reaches a second folio gives it the first one's in-folio offset and the length from there, so that element names bytes the iterator does not hold at its position (the lengths still add up to ret and the advance)",
    caught_by: ['sg_elements_match_iterator'],
  },
  folioq_get_pages_slot: {
    name: 'folioq_get_pages_slot',
    area: 'iov_iter',
    description:
      'iter_folioq_get_pages() as 6.12-rc1 merged it (db0aa2e9566f): no "offset < fsize" skip and the slot advance tested the part\'s start (offset) instead of its end (iov_offset), so a call that ends a folio stays on its slot and the next pass lists folio_page(folio, fsize / PAGE_SIZE), the page after the folio, with a reference, for 0 bytes; a call crossing a folio end stops there, and from a cursor parked at a folio end every call returns 0 (fixed by "iov_iter: fix advancing slot in iter_folioq_get_pages()", O. Sandoval, 6.12-rc2, Fixes: db0aa2e9566f, and "iov_iter: Fix iov_iter_get_pages*() for folio_queue", D. Howells, 6.12-rc5, e65a0dc1cabe)',
    caught_by: ['get_pages_no_stray_pages'],
  },
  xarray_get_pages_maths: {
    name: 'xarray_get_pages_maths',
    area: 'iov_iter',
    description:
      'iter_xarray_get_pages() before "iov_iter: Fix iter_xarray_get_pages{,_alloc}()" (D. Howells, 5.19, Fixes: 7ff5062079ef "iov_iter: Add ITER_XARRAY", Reported-by: J. Layton): the byte count was PAGE_SIZE * nr - offset, less PAGE_SIZE - (last_offset + size) when nr == count and size > 0, with size the request\'s tail in its last page computed before the maxpages clamp: a request of several pages cut to fewer by maxpages returns that tail instead of what the listed pages hold (more: bytes past the last listed page; less: a short count). The fix returns min(nr * PAGE_SIZE - offset, maxsize)',
    caught_by: ['extract_result_consistent', 'extract_matches_iterator'],
  },
  bvecq_empty_seg_v1: {
    name: 'bvecq_empty_seg_v1',
    area: 'iov_iter',
    description:
      'The bvecq RFC v1 ("iov_iter: Add a segmented queue of bio_vec[]") walks of an ITER_BVECQ chain, iov_iter_bvecq_advance() and iterate_bvecq(), step from a segment\'s last slot to ->next slot 0 and read bq->bv[0].bv_len there without looking at that segment\'s slot count: an empty segment (nr_slots == 0) in the chain is read past its slots in use. Ver #4 of the series checks "if (slot >= bq->nr_slots)" at the top of the loop and steps on ("Fixed iov_iter_bvecq_advance(), iov_iter_bvecq_revert(), ... to correctly handle empty bvecqs", "Fixed iterate_bvecq() to skip bvecq structs with nr_slots==0"); the reference stops the v1 read with IovIterOutOfBounds. Caught by that stop, before any invariant can look at the iterator (the generated tests see it as oops SLOT, the spec as a SlotsInUse violation); caught_by names iter_count_consistent only because this list holds exported checks, and it is the check that owns a BVECQ cursor\'s slot and offset',
    caught_by: ['iter_count_consistent'],
  },
  splice_no_pipe_room_clip: {
    name: 'splice_no_pipe_room_clip',
    area: 'splice',
    description:
      'do_splice() before 3253d9d09337 ("splice: only read in as much information as there is pipe buffer space", D. Wong, 5.4; stable 4.19.90 / 5.3.17 / 5.4.4; Fixes: 17614445576b "splice: don\'t read more than available pipe space", which had clipped only splice_direct_to_actor; reported by A. Gruenbacher and syzbot): splice(2) from a file into a pipe called do_splice_to() with the caller\'s length, not clipped to the pipe\'s free slots. An iomap O_DIRECT read over ITER_PIPE then filled the pipe, found no slot for the next page (pipe_get_pages: -EFAULT), failed the whole dio with its bios already read (no IOMAP_DIO_PARTIAL), and generic_file_splice_read discarded what it had emitted and returned -EAGAIN ("splice() to return -EAGAIN (instead of a short splice) if the pipe being written to has less space available in its pipe buffers than the length supplied"). Here the 6.1 ITER_PIPE reads lose do_splice_to\'s clip (splice/pipe.ts do_splice_to_len)',
    caught_by: ['splice_fill_not_failed'],
  },
  splice_isize_before_uptodate: {
    name: 'splice_isize_before_uptodate',
    area: 'splice',
    description:
      '__generic_file_splice_read() before 620a324b744a ("splice: __generic_file_splice_read: fix read/truncate race", N. Brown, adapted by J. Axboe, 2007; the same fix for do_generic_mapping_read: a32ea1e1f925 "Fix read/truncate race"): the buffered splice sampled i_size at the start and read it again only after a ->readpage of its own, so pages another reader brought uptodate (readahead) while a truncate lowered i_size were spliced under the old i_size: splice() returned bytes past the new EOF ("we must sample i_size *after* it has an uptodate page"). Here the 6.12 filemap_splice_read bounds the batch by the i_size sampled when the call started (splice/filemap_splice.ts filemap_splice_read_finish)',
    caught_by: ['splice_within_eof'],
  },
  iomap_dio_no_eof_revert: {
    name: 'iomap_dio_no_eof_revert',
    area: 'splice',
    description:
      'iomap_dio_rw() before 419e9c38aa07 ("iomap: Fix pipe page leakage during splicing", J. Kara, 5.5, stable 4.19.89 / 5.4.3; Fixes: ff6a9292e6f6 "iomap: implement direct I/O"; syzbot): a read crossing i_size reports only up to i_size but never reverts the iterator, so an ITER_PIPE splice leaves pipe buffers past what splice() returned (the file tail: "splice code gets confused leaking a pipe page")',
    caught_by: ['splice_pipe_matches_ret'],
  },
  netfs_extract_user_iter_empty: {
    name: 'netfs_extract_user_iter_empty',
    area: 'netfs',
    description:
      'netfs_extract_user_iter() from 85dd2c8ff368 (6.3) until "netfs: fix error handling in netfs_extract_user_iter()" (P. Alcantara, 2026, Cc: stable; in 6.12 stable): an iov_iter_extract_pages() error only ends its loop ("if (ret < 0) { pr_err(...); break; }"), so a call that can pin nothing (a user buffer that starts in an unmapped page: -EFAULT) returns 0 with an empty ITER_BVEC instead of the error, and the DIO built on it completes with 0 bytes (LTP mmapstress02 against CIFS). The fix returns the error when no page was extracted (or on -ENOMEM, unpinning what was) and keeps the short extraction otherwise',
    caught_by: ['extraction_not_empty'],
  },
  discard_advance_underflow: {
    name: 'discard_advance_underflow',
    area: 'iov_iter',
    description:
      'iov_iter_advance() before "iov_iter_advance(): use consistent semantics for move past the end" (Al Viro, 5.14-rc1, 3b3fc051cd2c; AUTOSEL to 5.13.y): the clamp to count was per type and the ITER_DISCARD arm had none ("if (unlikely(iov_iter_is_discard(i))) { i->count -= size; return; }", 5.11-5.13), so advancing a sink by more than it has left wrapped its size_t count (a negative count here). The fix clamps first: "asking to advance by more than we have left in the iov_iter should move to the very end; it should *not* leave negative i->count". (Its bvec half, bvec_iter_advance WARNing and zeroing count, is not re-created.)',
    caught_by: ['iter_count_consistent'],
  },
  extract_bvec_skip_size: {
    name: 'extract_bvec_skip_size',
    area: 'iov_iter',
    description:
      'iov_iter_extract_bvec_pages() as e4e535bff2bc ("iov_iter: don\'t require contiguous pages in iov_iter_extract_bvec_pages", M. Lei / C. Hellwig, block tree for 6.13, Oct 2024) merged it: "bi.bi_size = maxsize + skip; bi.bi_bvec_done = skip;", so from inside a bvec the walk\'s first piece takes up to skip bytes more than maxsize and the call returns them (syzbot, UDP sendfile). Fixed by 7bc802acf193 ("iov-iter: do not return more bytes than requested in iov_iter_extract_bvec_pages()", E. Dumazet) and "lib/iov_iter: fix bvec iterator setup" (M. Lei, Nov 2024, Fixes: e4e535bff2bc: "bi.bi_size = maxsize;"), both before 6.13-rc1. On an iterator truncated short of its bio_vecs (iomap_dio_bio_iter\'s iov_iter_truncate) the extra bytes are past count: bytes the iterator does not hold are listed, and the iov_iter_advance(i, size) that follows stops at count',
    caught_by: ['extract_result_consistent', 'extract_matches_iterator'],
  },
  iterate_folioq_offset_at_end: {
    name: 'iterate_folioq_offset_at_end',
    area: 'iov_iter',
    description:
      'iterate_folioq() (include/linux/iov_iter.h, the walk of copy_to_iter / copy_from_iter / iov_iter_zero on an ITER_FOLIOQ) as db0aa2e9566f ("mm: Define struct folio_queue and ITER_FOLIOQ to handle a sequence of folios", 6.12) added it: "fsize = folioq_folio_size(folioq, slot); base = kmap_local_folio(folio, skip); part = umin(len, PAGE_SIZE - skip % PAGE_SIZE); remain = step(base, progress, part, priv, priv2); kunmap_local(base); consumed = part - remain; len -= consumed; progress += consumed; skip += consumed; if (skip >= fsize) { skip = 0; slot++; ... }", with no test of skip against fsize. From a cursor parked at its folio\'s end (iov_offset == fsize, where an extraction or get_pages that ends a folio leaves it) the copy maps the page after the folio (the memmap\'s next frame), copies up to a page there ("PAGE_SIZE - skip % PAGE_SIZE ends up PAGE_SIZE and not zero"), counts it, and steps to the next slot at offset 0: the bytes go to an unrelated frame and the position falls behind the count. Fixed by 808471ddb0fa "iov_iter: iterate_folioq: fix handling of offset >= folio size" (D. Martinet, Aug 2025, Fixes: db0aa2e9566f, Cc stable 6.12+): "if (skip < fsize) { ... }" around the step',
    caught_by: ['iter_count_consistent'],
  },
};

export const FAULT_NAMES: readonly FaultName[] = Object.keys(FAULTS) as FaultName[];

export function isFaultName(name: string): name is FaultName {
  return Object.hasOwn(FAULTS, name);
}

/** Validates a list of fault names, naming any unknown one. */
export function parseFaults(names: readonly string[]): FaultName[] {
  const out: FaultName[] = [];
  for (const n of names) {
    if (!isFaultName(n)) {
      throw new Error(`unknown fault "${n}"; known faults: ${FAULT_NAMES.join(', ')}`);
    }
    out.push(n);
  }
  return out;
}

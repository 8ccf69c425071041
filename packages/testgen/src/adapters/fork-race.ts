// ForkRace (specs/ForkRace.tla): O_DIRECT read vs fork vs the parent's write, io_uring fixed
// buffers and vmsplice. The reference driver performs each step with the reference kernel's
// real paths: block O_DIRECT (block/dio.ts dio_submit -> bio_iov_iter_get_pages, which takes
// FOLL_GET refs on 6.1 and FOLL_PIN pins on 6.12), fork (mm/memory.c dup_mmap ->
// copy_present_pte), user writes (copy_to_user -> do_wp_page), io_uring buffer registration
// (io_uring/rsrc.c io_pin_pages -> pin_user_pages_fast(FOLL_WRITE | FOLL_LONGTERM)) and
// vmsplice (fs/splice.c vmsplice_to_pipe -> iov_iter_get_pages2, a FOLL_GET ref per buffer).
//
// Observations (same keys from model and reference):
//   P0, P1, C0, C1  tags the page mapped by parent/child at vpage 0/1 holds ("D1,PW"), null
//                   for the child before fork. D1/D2 = data of read 1/2, PW/CW = the byte the
//                   parent/child wrote. "Parent sees the DIO data" is D<i> in P<vpage>.
//   pinsHeld        FOLL_PIN pins outstanding (nr_foll_pin_acquired - nr_foll_pin_released)
//   pinDelta        change of pinsHeld in this step
//   gupRefs         FOLL_GET references outstanding (block DIO on 6.1, vmsplice buffers)
//   pipeSeen        tags the pipe reader saw, null until PipeRead
//   parentHasPinned MMF_HAS_PINNED on the parent's mm

import {
  bdev_alloc,
  bdev_complete_bio,
  bdev_inode,
  copy_to_user,
  type dio,
  dio_submit,
  dup_mmap,
  FAULT_FLAG_WRITE,
  FOLL_LONGTERM,
  FOLL_WRITE,
  type file,
  filp_open,
  handle_mm_fault,
  ITER_DEST,
  ITER_SOURCE,
  init_async_kiocb,
  iov_iter_bvec,
  iov_iter_get_pages2,
  iov_iter_ubuf,
  type Kernel,
  type MmStruct,
  mm_alloc,
  O_DIRECT,
  PAGE_SIZE,
  type Page,
  type PageSlot,
  pin_user_pages_fast,
  put_user_page_ref,
  unpin_user_page,
  type Violation,
  vm_mmap,
  with_kernel,
  with_mm,
} from '@pinlab/reference';
import {
  apply,
  asBool,
  asInt,
  asSeq,
  asSet,
  asString,
  domain,
  type ModelState,
  stateVar,
} from '../model/value.ts';
import type { Scenario, ScenarioAction, StepObservation } from '../target.ts';
import { AdapterError, param, type ReferenceDriver, type SpecAdapter } from './adapter.ts';
import { kernelFor } from './design.ts';
import { kernelViolations } from './invariants.ts';

const SECTOR = 512;
/** Where each content tag lives in a page, and the byte value that marks it. */
const TAG_LAYOUT = [
  { tag: 'D1', offset: 0, len: SECTOR, byte: 0xd1 },
  { tag: 'D2', offset: SECTOR, len: SECTOR, byte: 0xd2 },
  { tag: 'PW', offset: 2048, len: 1, byte: 0x50 },
  { tag: 'CW', offset: 3072, len: 1, byte: 0x43 },
] as const;

/** End of the last tag region: how much of a page pageTags reads. */
const TAGS_END = Math.max(...TAG_LAYOUT.map((t) => t.offset + t.len));

const ACTIONS = new Set([
  'DioSubmit',
  'FixedRead',
  'IoComplete',
  'Fork',
  'Write',
  'RegisterBuffer',
  'UnregisterBuffer',
  'Vmsplice',
  'PipeRead',
]);

const tagList = (tags: readonly string[]): string => [...tags].sort().join(',');

function observeModel(prev: ModelState | undefined, state: ModelState): StepObservation {
  const pte = stateVar(state, 'pte');
  const data = stateVar(state, 'data');
  const forked = asBool(stateVar(state, 'forked'), 'forked');
  const pages = domain(apply(pte, 'P', 'pte'), 'pte[P]').length;
  const tagsAt = (p: string, v: number): string | null => {
    if (v >= pages) return null; // NumPages = 1: there is no vpage 1
    const frame = asInt(apply(apply(apply(pte, p, 'pte'), v, `pte[${p}]`), 'frame'), 'frame');
    if (frame === 0) return null;
    return tagList(asSet(apply(data, frame, 'data')).map((t) => asString(t, 'tag')));
  };
  const sumOf = (s: ModelState, v: string) =>
    asSeq(stateVar(s, v), v).reduce<number>((n, x) => n + asInt(x, v), 0);
  const pins = sumOf(state, 'pins');
  const pipe = stateVar(state, 'pipe');
  return {
    P0: tagsAt('P', 0),
    P1: tagsAt('P', 1),
    C0: forked ? tagsAt('C', 0) : null,
    C1: forked ? tagsAt('C', 1) : null,
    pinsHeld: pins,
    pinDelta: prev === undefined ? 0 : pins - sumOf(prev, 'pins'),
    gupRefs: sumOf(state, 'refs'),
    pipeSeen:
      asString(apply(pipe, 'st'), 'pipe.st') === 'READ'
        ? tagList(asSet(apply(pipe, 'seen')).map((t) => asString(t, 'tag')))
        : null,
    parentHasPinned: asBool(apply(stateVar(state, 'hasPinned'), 'P'), 'hasPinned'),
  };
}

/** The tags a page holds, read from its bytes; a partly written region reads as `<tag>~partial`. */
function pageTags(page: Page): string {
  // One read of the page prefix holding every tag; a region counts only when all its bytes match.
  const bytes = page.folio.peek(page.index_in_folio * PAGE_SIZE, TAGS_END);
  const tags: string[] = [];
  for (const { tag, offset, len, byte } of TAG_LAYOUT) {
    let hits = 0;
    for (let i = offset; i < offset + len; i++) if (bytes[i] === byte) hits++;
    if (hits === len) tags.push(tag);
    else if (hits > 0) tags.push(`${tag}~partial`);
  }
  return tagList(tags);
}

class ForkRaceDriver implements ReferenceDriver {
  private readonly k: Kernel;
  private readonly parent: MmStruct;
  private child: MmStruct | null = null;
  private readonly base: number;
  private readonly filp: file;
  private readonly dios = new Map<number, dio>();
  private readonly fixed = new Map<number, Page>();
  private pipeBuf: Page | null = null;
  private pipeSeen: string | null = null;
  private lastPins = 0;

  /** NumPages of the model: the parent maps this many anonymous pages. */
  private readonly numPages: number;

  constructor(profile: string, scenario: Scenario) {
    this.k = kernelFor(profile);
    const n = scenario.constants?.NumPages ?? 2;
    if (n !== 1 && n !== 2)
      throw new AdapterError(`ForkRace: NumPages must be 1 or 2, got ${JSON.stringify(n)}`);
    this.numPages = n;
    const k = this.k;
    ({
      parent: this.parent,
      base: this.base,
      filp: this.filp,
    } = with_kernel(k, () => {
      // Init: two private anonymous pages of the parent, faulted in writable (exclusive).
      const parent = mm_alloc();
      const base = vm_mmap(parent, 0, n * PAGE_SIZE);
      if (base < 0) throw new AdapterError(`ForkRace: vm_mmap failed (${base})`);
      for (let v = 0; v < n; v++) {
        if (handle_mm_fault(parent, base + v * PAGE_SIZE, FAULT_FLAG_WRITE) !== 0) {
          throw new AdapterError('ForkRace: cannot fault in the parent page');
        }
      }
      // The device read by O_DIRECT: sector i-1 holds read i's data ("dm-delay" = caller-completed bios).
      const bdev = bdev_alloc(2 * SECTOR); // two sectors: the data of read 1 and read 2
      bdev.write(0, new Uint8Array(SECTOR).fill(0xd1));
      bdev.write(SECTOR, new Uint8Array(SECTOR).fill(0xd2));
      return { parent, base, filp: filp_open(bdev_inode(bdev), O_DIRECT) };
    }));
  }

  private pageOf(mm: MmStruct, v: number): Page {
    const pte = mm.ptes.get(Math.floor((this.base + v * PAGE_SIZE) / PAGE_SIZE));
    if (pte === undefined)
      throw new AdapterError(`ForkRace: vpage ${v} of mm ${mm.id} is not mapped`);
    return pte.page;
  }

  apply(action: ScenarioAction): void {
    with_kernel(this.k, () => this.step(action));
  }

  private step(action: ScenarioAction): void {
    switch (action.name) {
      case 'DioSubmit': {
        // io_submit / IORING_OP_READ of one sector into page v: an async O_DIRECT read.
        const io = param(action, 'io', 'number');
        const v = param(action, 'vpage', 'number');
        const iocb = init_async_kiocb(this.filp, (io - 1) * SECTOR, () => {});
        const iter = with_mm(this.parent, () =>
          iov_iter_ubuf(ITER_DEST, this.base + v * PAGE_SIZE + (io - 1) * SECTOR, SECTOR),
        );
        const d = dio_submit(iocb, iter);
        if (typeof d === 'number') throw new AdapterError(`ForkRace: dio_submit failed (${d})`);
        this.dios.set(io, d);
        return;
      }
      case 'FixedRead': {
        // IORING_OP_READ_FIXED: io_import_fixed builds an ITER_BVEC over the registered page.
        const io = param(action, 'io', 'number');
        const v = param(action, 'vpage', 'number');
        const page = this.fixed.get(v);
        if (page === undefined)
          throw new AdapterError(`ForkRace: no registered buffer for vpage ${v}`);
        const iocb = init_async_kiocb(this.filp, (io - 1) * SECTOR, () => {});
        const iter = iov_iter_bvec(
          ITER_DEST,
          [{ bv_page: page, bv_offset: (io - 1) * SECTOR, bv_len: SECTOR }],
          1,
          SECTOR,
        );
        const d = dio_submit(iocb, iter);
        if (typeof d === 'number') throw new AdapterError(`ForkRace: fixed read failed (${d})`);
        this.dios.set(io, d);
        return;
      }
      case 'IoComplete': {
        const io = param(action, 'io', 'number');
        const d = this.dios.get(io);
        if (d === undefined) throw new AdapterError(`ForkRace: read ${io} is not in flight`);
        for (const b of d.bios) if (!b.done) bdev_complete_bio(b);
        return;
      }
      case 'Fork':
        this.child = dup_mmap(this.parent);
        return;
      case 'Write': {
        const p = param(action, 'proc', 'string');
        const v = param(action, 'vpage', 'number');
        const mm = p === 'P' ? this.parent : this.child;
        if (mm === null) throw new AdapterError('ForkRace: the child writes before fork');
        const layout = TAG_LAYOUT.find((t) => t.tag === (p === 'P' ? 'PW' : 'CW'))!;
        if (
          copy_to_user(
            mm,
            this.base + v * PAGE_SIZE + layout.offset,
            Uint8Array.of(layout.byte),
          ) !== 0
        ) {
          throw new AdapterError(`ForkRace: copy_to_user by ${p} failed`);
        }
        return;
      }
      case 'RegisterBuffer': {
        const v = param(action, 'vpage', 'number');
        const pages: PageSlot[] = [undefined];
        const n = pin_user_pages_fast(
          this.parent,
          this.base + v * PAGE_SIZE,
          1,
          FOLL_WRITE | FOLL_LONGTERM,
          pages,
        );
        if (n !== 1 || pages[0] === undefined)
          throw new AdapterError(`ForkRace: io_pin_pages failed (${n})`);
        this.fixed.set(v, pages[0]);
        return;
      }
      case 'UnregisterBuffer': {
        const v = param(action, 'vpage', 'number');
        const page = this.fixed.get(v);
        if (page === undefined) throw new AdapterError(`ForkRace: vpage ${v} is not registered`);
        unpin_user_page(page); // io_buffer_unmap -> unpin_user_page
        this.fixed.delete(v);
        return;
      }
      case 'Vmsplice': {
        const v = param(action, 'vpage', 'number');
        const iter = with_mm(this.parent, () =>
          iov_iter_ubuf(ITER_SOURCE, this.base + v * PAGE_SIZE, PAGE_SIZE),
        );
        const pages: PageSlot[] = [undefined];
        const n = iov_iter_get_pages2(iter, pages, PAGE_SIZE, 1, { value: 0 });
        if (n <= 0 || pages[0] === undefined)
          throw new AdapterError(`ForkRace: iov_iter_get_pages2 failed (${n})`);
        this.pipeBuf = pages[0];
        return;
      }
      case 'PipeRead': {
        if (this.pipeBuf === null) throw new AdapterError('ForkRace: the pipe is empty');
        this.pipeSeen = pageTags(this.pipeBuf);
        put_user_page_ref(this.pipeBuf); // page_cache_pipe_buf_release -> put_page
        this.pipeBuf = null;
        return;
      }
      default:
        throw new AdapterError(`ForkRace: unknown action ${action.name}`);
    }
  }

  violations(): Violation[] {
    return kernelViolations(this.k);
  }

  observe(): StepObservation {
    const pins = this.k.vmstat.nr_foll_pin_acquired - this.k.vmstat.nr_foll_pin_released;
    let refs = 0;
    for (const f of this.k.live_folios) refs += f.gup_refs;
    const obs: StepObservation = {
      P0: pageTags(this.pageOf(this.parent, 0)),
      P1: this.numPages < 2 ? null : pageTags(this.pageOf(this.parent, 1)),
      C0: this.child === null ? null : pageTags(this.pageOf(this.child, 0)),
      C1: this.child === null || this.numPages < 2 ? null : pageTags(this.pageOf(this.child, 1)),
      pinsHeld: pins,
      pinDelta: pins - this.lastPins,
      gupRefs: refs,
      pipeSeen: this.pipeSeen,
      parentHasPinned: this.parent.has_pinned,
    };
    this.lastPins = pins;
    return obs;
  }
}

export const forkRaceAdapter: SpecAdapter = {
  spec: 'ForkRace',
  observeModel,
  supports: (action) => ACTIONS.has(action.name),
  // FOLL_GET block DIO on a kernel that otherwise pins (faults.ts legacy_foll_get_dio).
  faultKnobs: [{ constant: 'DioHold', value: 'FOLL_GET', fault: 'legacy_foll_get_dio' }],
  createDriver: (profile, scenario) => new ForkRaceDriver(profile, scenario),
};

// ForkRace (specs/ForkRace.tla) on a real kernel: each action becomes a step of the guest's
// forkrace_script operation (guest/agent.c op_forkrace_script), and the guest reports, after
// every step, the content tags each process sees in each of its two pages.
//
// Observation keys (those of @pinlab/testgen's ForkRace adapter, adapters/fork-race.ts):
//   P0, P1    tags in the parent's page 0/1: sorted, comma-joined subset of D1,D2,PW,CW
//   C0, C1    the same for the child, null before Fork
//   pipeSeen  tags the pipe reader saw (PipeRead), null before
//   pinsHeld  FOLL_PIN pins outstanding since Init (/proc/vmstat nr_foll_pin_acquired -
//             nr_foll_pin_released after stat_refresh), pinDelta its change in the step
//   err       how the step failed, null when it succeeded: the errno name the kernel returned
//             ("EFAULT", "EBUSY", "ENXIO", "EAGAIN", "EEXIST", "ENOMEM"; another as "E<n>") or
//             "SIGSEGV" for a store or load that faulted (caught in the process that made it);
//             the model's action field err. A failed step does not end the script.
//   written   the tags each completed O_DIRECT write (DioWriteSubmit) took to the device,
//             "<io>:<tags>" joined by ";" ("1:PW"), null before any write completed: the agent
//             reads the write's disk region back at IoComplete and tags what the device holds
// Not observable in a guest: gupRefs (FOLL_GET references are not counted anywhere),
// parentHasPinned (MMF_HAS_PINNED is not exported to user space) and livePages (the pages of
// the scenario in use: the guest's free-page counters move with every other allocation). Not reported separately:
// lost (the reference's parent_sees_dio_data verdict per read): the guest's P0/P1 tags, which
// are compared, already say whether the parent reads each completed read's data back.
import type { Scenario, ScenarioAction, StepObservation, SuiteData } from '@pinlab/testgen';

/**
 * The fork race in five steps (ForkRace.tla's headline behaviour): a DIO read into the parent's
 * page, fork, the parent writes the page, the read completes. Under FOLL_GET (6.1) the parent's
 * write fault copies the parent away and the data lands in the child's page; under FOLL_PIN
 * (6.12) fork copies the pinned page to the child and the parent keeps the data. The real-kernel
 * test checks it step by step and the bench times it.
 */
export const FORKRACE_HEADLINE: readonly ScenarioAction[] = [
  { name: 'Init' },
  { name: 'DioSubmit', io: 1, vpage: 0 },
  { name: 'Fork' },
  { name: 'Write', proc: 'P', vpage: 0 },
  { name: 'IoComplete', io: 1 },
];

export const FORKRACE_ACTIONS = [
  'Init',
  'DioSubmit',
  'FixedRead',
  'IoComplete',
  'DioWriteSubmit',
  'Fork',
  'ChildExit',
  'Write',
  'Read',
  'RegisterBuffer',
  'UnregisterBuffer',
  'Vmsplice',
  'PipeRead',
  // The parent's address-space steps: munmap(2), mprotect(2), mmap(2) MAP_FIXED_NOREPLACE.
  'Munmap',
  'Protect',
  'ProtectNone',
  'Unprotect',
  'MmapPopulate',
  // Steps the kernel fails (ForkRace.tla err): the same syscalls, the error observed.
  'WriteUnmapped',
  'WriteReadOnly',
  'ReadNoVma',
  'DioSubmitReadOnly',
  'DioWriteNoAccess',
  'RegisterUnmapped',
  'RegisterReadOnly',
  'RegisterBusy',
  'UnregisterNone',
  'FixedReadUnregistered',
  'FixedReadOutside',
  'VmspliceUnmapped',
  'VmspliceFull',
  'MmapExists',
  'ProtectHole',
  'MadviseHole',
  // Tenth session: the short vmsplice of the whole two-page buffer (one iovec) into the
  // one-slot pipe, and the mmap(MAP_FIXED_NOREPLACE) without MAP_POPULATE into the hole (a vma,
  // no page). Sampled in CI as the ninth session's steps are (FORKRACE_SAMPLED_ACTIONS).
  'VmspliceWhole',
  'MmapLazy',
  // Eleventh session: IORING_REGISTER_BUFFERS of the page and an oversized second iovec, which
  // fails -EFAULT after pinning the page; the unwind unpins it (pinsHeld observed); and with no
  // iovec (-EINVAL). Sampled in CI as the ninth session's steps are (FORKRACE_SAMPLED_ACTIONS).
  'RegisterOversized',
  'RegisterEmpty',
  // Twelfth session: IORING_REGISTER_BUFFERS of a sparse slot {NULL, 0} and the page (the page
  // is slot 1, the fixed reads name it; the unregistration goes past the sparse slot), and of
  // those and a NULL base with a length, which fails -EFAULT after pinning the page; the unwind
  // unpins it. Sampled in CI as the ninth session's steps are (FORKRACE_SAMPLED_ACTIONS).
  'RegisterSparse',
  'RegisterNullBase',
  // munmap / mprotect / madvise / mmap of the parent's page from an address that is not page
  // aligned: -EINVAL, nothing changes. Sampled in CI as the ninth session's steps are.
  'MunmapMisaligned',
  'ProtectMisaligned',
  'MadviseMisaligned',
  'MmapMisaligned',
  // Twelfth session: madvise of the page with an advice no kernel defines, mmap at it of 0 bytes
  // (-EINVAL) and of 2^56 bytes (-ENOMEM): nothing changes. Sampled in CI as the ninth session's
  // steps are.
  'MadviseInvalid',
  'MmapEmpty',
  'MmapTooLong',
  // Thirteenth session: madvise(MADV_WIPEONFORK) of the private file buffer (FileBacked), which
  // the kernel refuses (-EINVAL: anonymous memory only). Sampled in CI as the ninth session's
  // steps are.
  'MadviseWipeFile',
  // Seventeenth session: mmap(MAP_PRIVATE | MAP_FIXED_NOREPLACE) of the buffer's own file over a
  // page of the private file buffer (FileBacked): -EEXIST, nothing changes. Sampled in CI as the
  // ninth session's steps are.
  'MmapFileExists',
] as const;

const PARAMS: Record<string, string[]> = {
  DioSubmit: ['io', 'vpage'],
  DioSubmitReadOnly: ['io', 'vpage'],
  FixedRead: ['io', 'vpage'],
  FixedReadUnregistered: ['io', 'vpage'],
  FixedReadOutside: ['io', 'vpage'],
  DioWriteSubmit: ['io', 'vpage'],
  DioWriteNoAccess: ['io', 'vpage'],
  IoComplete: ['io'],
  Write: ['proc', 'vpage'],
  WriteUnmapped: ['proc', 'vpage'],
  WriteReadOnly: ['proc', 'vpage'],
  Read: ['proc', 'vpage'],
  ReadNoVma: ['proc', 'vpage'],
  RegisterBuffer: ['vpage'],
  RegisterUnmapped: ['vpage'],
  RegisterReadOnly: ['vpage'],
  RegisterBusy: ['vpage'],
  UnregisterBuffer: ['vpage'],
  UnregisterNone: ['vpage'],
  Vmsplice: ['vpage'],
  VmspliceUnmapped: ['vpage'],
  VmspliceFull: ['vpage'],
  Munmap: ['vpage'],
  Protect: ['vpage'],
  ProtectNone: ['vpage'],
  Unprotect: ['vpage'],
  MmapPopulate: ['vpage'],
  MmapExists: ['vpage'],
  MmapFileExists: ['vpage'],
  MmapLazy: ['vpage'],
  RegisterOversized: ['vpage'],
  RegisterEmpty: ['vpage'],
  RegisterSparse: ['vpage'],
  RegisterNullBase: ['vpage'],
  MunmapMisaligned: ['vpage'],
  ProtectMisaligned: ['vpage'],
  MadviseMisaligned: ['vpage'],
  MmapMisaligned: ['vpage'],
  MadviseInvalid: ['vpage'],
  MmapEmpty: ['vpage'],
  MmapTooLong: ['vpage'],
  // The pages the model says the short vmsplice adds: the agent checks the kernel's return
  // against it (another count is the step's err SPLICED_<bytes>).
  VmspliceWhole: ['spliced'],
};

export function supportsForkRace(action: ScenarioAction): boolean {
  if (!(FORKRACE_ACTIONS as readonly string[]).includes(action.name)) return false;
  for (const p of PARAMS[action.name] ?? []) {
    const v = action[p];
    if (p === 'proc' ? v !== 'P' && v !== 'C' : typeof v !== 'number') return false;
    if (p === 'io' && v !== 1 && v !== 2) return false;
    if (p === 'vpage' && v !== 0 && v !== 1) return false;
    if (p === 'spliced' && v !== 0 && v !== 1 && v !== 2) return false;
  }
  return true;
}

/**
 * Why the guest cannot realise a ForkRace action supportsForkRace refuses (named by action, so
 * not-applicable counts group), or undefined for an action it does not know at all.
 */
export function forkRaceWhyNot(a: ScenarioAction): string | undefined {
  if (a.name === 'Exit')
    return "Exit: both processes' exit mid-scenario; the guest agent's forkrace_script has no exit step (its processes exit after the last observation), and what Exit checks, pages freed and pins released at the tear-down (livePages, pin balance), is not observable in a guest (reference target only)";
  if (a.name === 'VfioMapDma' || a.name === 'VfioUnmapDma')
    return `${a.name}: a VFIO type1 DMA mapping (VFIO_IOMMU_MAP_DMA / _UNMAP_DMA) needs a PCI device bound to vfio-pci in an IOMMU group, and the guest's QEMU machine has no vIOMMU and its initramfs no vfio modules; and what the device reads through the mapping (dmaSeen) needs a device that DMAs on request (reference target only)`;
  if (a.name === 'VmspliceWhole')
    return 'VmspliceWhole: the guest vmsplices its two-page buffer, spliced 0..2 pages only';
  if (PARAMS[a.name] !== undefined)
    return `${a.name}: the guest has gates for io 1..2, pages vpage 0..1 and processes P and C only`;
  return undefined;
}

/** The agent's step script: "DioSubmit:io=1:vpage=0;Fork;..." */
export function forkRaceScript(actions: readonly ScenarioAction[]): string {
  return actions
    .map((a) => {
      if (!supportsForkRace(a))
        throw new Error(`ForkRace action ${a.name} cannot run in the guest`);
      return [a.name, ...(PARAMS[a.name] ?? []).map((p) => `${p}=${String(a[p])}`)].join(':');
    })
    .join(';');
}

const KEYS = ['P0', 'P1', 'C0', 'C1', 'pipeSeen'] as const;
const COUNTS = ['pinsHeld', 'pinDelta'] as const;
export const FORKRACE_UNOBSERVABLE = ['gupRefs', 'parentHasPinned', 'lost', 'livePages'] as const;

/**
 * The model's NumPages for a config (specs/<config>.cfg, `NumPages = n`); 2 when the spec has
 * no such constant. The guest always maps two pages; pages the model lacks are reported null.
 */
export function forkRaceNumPages(cfgText: string | null): number {
  const m = cfgText === null ? null : /^\s*NumPages\s*=\s*(\d+)/m.exec(cfgText);
  return m === null ? 2 : Number(m[1]);
}

export function forkRaceObservations(
  result: Record<string, unknown>,
  steps: number,
  pages = 2,
): StepObservation[] {
  const obs = result.obs;
  if (!Array.isArray(obs) || obs.length !== steps) {
    throw new Error(
      `forkrace_script returned ${Array.isArray(obs) ? obs.length : 'no'} observations for ${steps} steps`,
    );
  }
  return obs.map((o: Record<string, unknown>, i) => {
    if (o.earlyCompletion === true)
      throw new Error(`step ${i}: a read completed before its IoComplete step (gate failed)`);
    const out: Record<string, string | number | null> = {};
    for (const k of KEYS) {
      if (/^[PC][1-9]$/.test(k) && Number(k.slice(1)) >= pages) {
        out[k] = null; // the model has no such page: the adapter reports null
        continue;
      }
      const v = o[k];
      // Tags as the adapter writes them: sorted, comma-joined ("CW,D1").
      out[k] =
        v === null || v === undefined
          ? null
          : String(v).split(',').filter(Boolean).sort().join(',');
    }
    for (const k of COUNTS) {
      if (typeof o[k] !== 'number') throw new Error(`step ${i}: the agent reported no ${k}`);
      out[k] = o[k] as number;
    }
    // err: the step's failure as the kernel reported it (errno name, SIGSEGV), null if none.
    out.err = errOf(o.err, i);
    out.written = writtenOf(o.written, i);
    return out;
  });
}

/** The agent's err of a step: null, or the name of the failure ("EFAULT", "SIGSEGV"). */
function errOf(v: unknown, step: number): string | null {
  if (v === null) return null;
  if (typeof v !== 'string' || !/^[A-Z][A-Z0-9_]*$/.test(v))
    throw new Error(`step ${step}: the agent reported no err (null or an error name)`);
  return v;
}

/**
 * The agent's "written" ("1:D1,PW;2:") in the adapter's form: per write, its tags sorted and
 * comma-joined, writes in io order; null (no write completed yet) stays null.
 */
function writtenOf(v: unknown, step: number): string | null {
  if (v === null || v === undefined) return null;
  if (typeof v !== 'string') throw new Error(`step ${step}: the agent's written is not a string`);
  return v
    .split(';')
    .map((w) => {
      const m = /^([12]):([A-Z0-9,]*)$/.exec(w);
      if (m === null) throw new Error(`step ${step}: malformed written entry ${JSON.stringify(w)}`);
      return `${m[1]}:${m[2]!.split(',').filter(Boolean).sort().join(',')}`;
    })
    .join(';');
}

/** Steps per guest run: 34 observations of at most ~240 bytes fit the agent's answer line. */
export const FORKRACE_MAX_STEPS = 34;

/** The ForkAdvice values (specs/ForkRace.tla) the guest applies: madvise of its buffer. */
const FORK_ADVICES = ['NONE', 'DONTFORK', 'WIPEONFORK'] as const;

/**
 * Why the guest cannot run a ForkRace scenario whose actions it can all realise: a ForkAdvice it
 * does not know (op_forkrace_script applies NONE, DONTFORK and WIPEONFORK with madvise), a
 * whole-buffer io_uring registration (RegisterWholeBuffer), a buffer of an anonymous page and
 * a file page (LastPageFile), or reads of the device opened without O_DIRECT (BufferedRead,
 * BufferedUring).
 */
export function forkRaceScenarioSupport(scenario: Scenario): string | undefined {
  // The agent's request and answer lines (guest/agent.c: a request string of at most 2000
  // characters, src/protocol.ts; an answer line of LINE_MAX_LEN 8192 bytes, up to ~240 per
  // step's observation): longer scenarios (long transition tours of the address-space configs,
  // 21 of the generated ones) would be cut.
  if (scenario.actions.length > FORKRACE_MAX_STEPS)
    return `more than ${FORKRACE_MAX_STEPS} steps: the observations would not fit the agent's 8 KiB answer line`;
  // LastPageFile: the parent's page 1 is a private file mapping right after its anonymous
  // page 0; the guest's buffer is one mapping, anonymous or (FileBacked) a file's.
  if (scenario.constants?.LastPageFile === true)
    return "LastPageFile: the guest's buffer is one mapping (anonymous, or a file's with FileBacked), not an anonymous page with a file page mapped after it";
  // BufferedRead: the device opened without O_DIRECT. The script's reads go through a gate
  // (a dm device) that is suspended until IoComplete; a buffered read there would block inside
  // io_submit (blkdev_read_iter -> filemap_read waits for the page-cache folio's read bio),
  // forever. The buffered AIO read is observed instead by the fork_race probe with direct = 0
  // (test/forkrace-buffered-read-kernel.test.ts: complete inside io_submit, both see the data).
  // BufferedUring: io_uring's buffered read returns at once (-EIOCBQUEUED) where the AIO read
  // blocks, but its page-cache read is readahead (fs/mpage.c mpage_readahead: REQ_RAHEAD, 6.1
  // 159 / 6.12 177), which a suspended dm device fails at once instead of queueing it
  // (drivers/md/dm.c dm_submit_bio, 6.1 1806-1812 / 6.12 2078-2084: bio_io_error): the folio
  // is left not uptodate, the task_work retry finds it so and the read goes to io-wq, which
  // reads the folio with a blocking read_folio through the gate. Not the model's steps; observed
  // instead by fork_race with direct = 0 through io_uring (forkrace-buffered-read-kernel).
  if (scenario.constants?.BufferedUring === true)
    return "BufferedUring: the gate (a suspended dm device) fails the page-cache folio's readahead bio (REQ_RAHEAD) at once instead of holding it, so the read would retry through io-wq, not wait on the folio until IoComplete; observed instead by fork_race with direct = 0 through io_uring (forkrace-buffered-read-kernel)";
  if (scenario.constants?.BufferedRead === true)
    return "BufferedRead: the script's reads go through a gate suspended until IoComplete, where a read without O_DIRECT would block inside io_submit (filemap_read waits for the page-cache folio); observed instead by fork_race with direct = 0 (forkrace-buffered-read-kernel)";
  // RegisterWholeBuffer: one io_uring registration of the whole buffer (one iovec over both
  // pages); the guest's RegisterBuffer step registers one page on its own ring.
  if (scenario.constants?.RegisterWholeBuffer === true)
    return 'RegisterWholeBuffer: the guest registers each page on its own ring, not the whole buffer as one iovec';
  // LastPageLoadedOnly: the parent's last page starts as the zero page, which the guest's
  // buffer has (request field loaded = NumPages: the last page only loaded, page 0 stored to
  // with two pages, page 1 untouched with one). With FileBacked the last page only loaded is
  // the file's page-cache page, which the guest's file buffer has (request field file).
  const pages = scenario.constants?.NumPages ?? 2;
  if (
    scenario.constants?.LastPageLoadedOnly === true &&
    scenario.constants?.FileBacked !== true &&
    pages !== 1 &&
    pages !== 2
  )
    return `LastPageLoadedOnly with NumPages ${String(pages)}: the guest's buffer has one or two pages`;
  // AdviseFirstPageOnly: madvise of page 0 alone; the guest advises its whole buffer.
  if (scenario.constants?.AdviseFirstPageOnly === true)
    return 'AdviseFirstPageOnly: the guest applies ForkAdvice to its whole buffer, not to the first page alone';
  const advice = scenario.constants?.ForkAdvice ?? 'NONE';
  if ((FORK_ADVICES as readonly unknown[]).includes(advice)) return undefined;
  return `ForkAdvice ${String(advice)}: the guest knows only ${FORK_ADVICES.join(', ')}`;
}

/**
 * The forkrace_script request of a scenario: its steps, the madvise advice of its buffer and,
 * for FileBacked, file = 1: the buffer is a MAP_PRIVATE mapping of a two-page ramfs file, page 0
 * stored to and page 1 only loaded (guest/agent.c fr_file_buffer); for LastPageLoadedOnly with
 * anonymous pages, loaded = NumPages: the last page only loaded, the zero page (fr_loaded_buffer);
 * for HugeBuffer, huge = 1: the buffer is the first pages of an anonymous transparent huge page,
 * checked at set-up (fr_huge_buffer: AnonHugePages 2048 kB in /proc/self/smaps).
 */
export function forkRaceRequest(scenario: Scenario): {
  steps: string;
  advice: string;
  file?: number;
  loaded?: number;
  huge?: number;
} {
  const why = forkRaceScenarioSupport(scenario);
  if (why !== undefined) throw new Error(why);
  return {
    steps: forkRaceScript(scenario.actions),
    advice: String(scenario.constants?.ForkAdvice ?? 'NONE'),
    ...(scenario.constants?.FileBacked === true ? { file: 1 } : {}),
    ...(scenario.constants?.LastPageLoadedOnly === true && scenario.constants?.FileBacked !== true
      ? { loaded: scenario.constants?.NumPages === 1 ? 1 : 2 }
      : {}),
    ...(scenario.constants?.HugeBuffer === true ? { huge: 1 } : {}),
  };
}

/**
 * The actions the guest realises since the ninth session (the parent's munmap, mprotect and mmap,
 * the child's loads, the failed steps): the scenarios that use them are sampled in CI
 * (forkRaceKernelSample), the others all run as before.
 */
export const FORKRACE_SAMPLED_ACTIONS: ReadonlySet<string> = new Set(
  FORKRACE_ACTIONS.slice(FORKRACE_ACTIONS.indexOf('Read')).filter(
    (a) => !['RegisterBuffer', 'UnregisterBuffer', 'Vmsplice', 'PipeRead'].includes(a),
  ),
);

const stepLabel = (a: ScenarioAction): string =>
  [a.name, ...(PARAMS[a.name] ?? []).map((p) => String(a[p]))].join(':');

/**
 * The CI sample of a ForkRace suite for a kernel profile: every scenario the guest cannot realise
 * (reported not applicable as ever) and every realisable one without a sampled action, plus, of
 * the realisable scenarios with one, the first (in suite order) to take each consecutive pair of
 * steps (actions with their parameters) of which one is sampled: every such step runs on the
 * kernel after and before each step that can neighbour it in this config's tour. All of them
 * are ~14,000 more guest runs per kernel (~45 min at 0.2 s each, over CI's budget); the sample
 * is ~370 (about 1.5 min). Other specs' suites are returned as they are.
 */
export function forkRaceKernelSample(suite: SuiteData, profile: string): SuiteData {
  if (suite.spec !== 'ForkRace') return suite;
  const constants = suite.constants?.[profile];
  const seen = new Set<string>();
  const scenarios = suite.scenarios.filter((s) => {
    if (!s.actions.some((a) => FORKRACE_SAMPLED_ACTIONS.has(a.name))) return true;
    const realisable =
      s.actions.every(supportsForkRace) &&
      forkRaceScenarioSupport({
        id: s.id,
        spec: suite.spec,
        config: suite.config,
        actions: s.actions,
        ...(constants === undefined ? {} : { constants }),
      }) === undefined;
    if (!realisable) return true;
    let fresh = false;
    for (let i = 1; i < s.actions.length; i++) {
      const a = s.actions[i - 1] as ScenarioAction;
      const b = s.actions[i] as ScenarioAction;
      if (!FORKRACE_SAMPLED_ACTIONS.has(a.name) && !FORKRACE_SAMPLED_ACTIONS.has(b.name)) continue;
      const key = `${stepLabel(a)}>${stepLabel(b)}`;
      if (!seen.has(key)) {
        seen.add(key);
        fresh = true;
      }
    }
    return fresh;
  });
  return { ...suite, scenarios };
}

// The `qemu:<kernel>` target (docs/CONTRACTS.md, @pinlab/testgen target.ts): runs a spec's
// scenario in the booted kernel and reports observations in the model's terms. It runs only
// its own kernel's profile; actions it cannot realise make a scenario not applicable.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Scenario, ScenarioAction, StepObservation, Target } from '@pinlab/testgen';
import { formatAction } from '@pinlab/testgen';
import type { KernelSession } from './session.ts';
import {
  FORKRACE_UNOBSERVABLE,
  forkRaceNumPages,
  forkRaceObservations,
  forkRaceRequest,
  forkRaceScenarioSupport,
  forkRaceWhyNot,
  supportsForkRace,
} from './specs/forkrace.ts';
import {
  ITERCURSOR_UNOBSERVABLE,
  iterCursorObservations,
  iterCursorRequest,
  iterCursorScenarioSupport,
  iterCursorWhyNot,
  supportsIterCursor,
} from './specs/itercursor.ts';
import {
  PINUNPIN_UNOBSERVABLE,
  pinUnpinObservations,
  pinUnpinRequest,
  pinUnpinScenarioSupport,
  pinUnpinWhyNot,
  supportsPinUnpin,
} from './specs/pinunpin.ts';
import {
  SPLICEPIPE_UNOBSERVABLE,
  splicePipeObservations,
  splicePipeRequest,
  splicePipeScenarioSupport,
  splicePipeWhyNot,
  supportsSplicePipe,
} from './specs/splicepipe.ts';

/** Per spec: can the guest realise this action, and how to run a whole scenario. */
export interface QemuTargetOptions {
  /** specs/ folder, to read a scenario's config constants (e.g. ForkRace NumPages). */
  specsDir?: string;
}

function configText(opts: QemuTargetOptions, config: string): string | null {
  if (opts.specsDir === undefined) return null;
  const path = join(opts.specsDir, `${config}.cfg`);
  return existsSync(path) ? readFileSync(path, 'utf8') : null;
}

interface SpecRealisation {
  supports(action: ScenarioAction): boolean;
  /** Observation keys the guest cannot see (left out of the comparison, reported). */
  unobservable: readonly string[];
  /** Why a whole scenario cannot run although each action can (Target.scenarioSupport). */
  scenarioSupport?(scenario: Scenario): string | undefined;
  /**
   * Why the guest cannot realise an action `supports` refuses, naming the action but not
   * every parameter (e.g. "Submit KVEC: kernel-only iterator"), so not-applicable counts group
   * by reason: the scenario is then not applicable with it, not a bare "cannot realise".
   */
  whyNot?(action: ScenarioAction): string | undefined;
  /**
   * Target.realisesPrefixes: the guest realisation is prefix-closed (it observes step i before
   * it runs step i+1 and nothing later changes that observation) and its refusals are per
   * action, so a scenario with an unrealisable step is checked over the steps before it.
   */
  realisesPrefixes?: boolean;
  run(
    session: KernelSession,
    scenario: Scenario,
    opts: QemuTargetOptions,
  ): Promise<StepObservation[]>;
}

const REALISATIONS: Record<string, SpecRealisation> = {
  ForkRace: {
    supports: supportsForkRace,
    whyNot: forkRaceWhyNot,
    unobservable: FORKRACE_UNOBSERVABLE,
    scenarioSupport: forkRaceScenarioSupport,
    // guest/agent.c op_forkrace_script observes after every step and cleans up only after the
    // last observation, so a run over steps 0..k-1 observes what a longer run observes there.
    // Its scenario-level refusals (forkRaceScenarioSupport: constants the guest does not set
    // up, more than FORKRACE_MAX_STEPS steps) keep the whole scenario not applicable; a prefix
    // is cut only at a refused step (Exit, a page or io the guest has no gate for, ...).
    realisesPrefixes: true,
    async run(session, scenario, opts) {
      // Alone in the guest: pinsHeld/pinDelta come from the global nr_foll_pin_* counters.
      const result = await session.exclusive('forkrace_script', forkRaceRequest(scenario), 30);
      // The suite's constants name NumPages (runSuite passes them); the config file is the
      // fallback for a caller without them. Without either the guest's two pages are assumed.
      const fromSuite = scenario.constants?.NumPages;
      const pages =
        typeof fromSuite === 'number'
          ? fromSuite
          : forkRaceNumPages(configText(opts, scenario.config));
      return forkRaceObservations(result, scenario.actions.length, pages);
    },
  },
  IterCursor: {
    supports: supportsIterCursor,
    whyNot: iterCursorWhyNot,
    unobservable: ITERCURSOR_UNOBSERVABLE,
    scenarioSupport: iterCursorScenarioSupport,
    // guest/itercursor.c op_itercursor_script reports each step's four transfers before it runs
    // the next, from the kernel's previous answer (pos), and checks nothing only at the end:
    // a run over steps 0..k-1 observes what a longer run observes there. Its only scenario-level
    // refusal (UserHole) depends on the constants, so it refuses every prefix too.
    realisesPrefixes: true,
    async run(session, scenario) {
      // Independent of every other scenario (its own worker, file and buffers): runs concurrently.
      const result = await session.request(
        'itercursor_script',
        iterCursorRequest(scenario.actions),
        30,
      );
      return iterCursorObservations(result, scenario.actions);
    },
  },
  PinUnpin: {
    supports: supportsPinUnpin,
    whyNot: pinUnpinWhyNot,
    unobservable: PINUNPIN_UNOBSERVABLE,
    scenarioSupport: pinUnpinScenarioSupport,
    async run(session, scenario) {
      // Alone in the guest: pinAcquired/pinReleased are the global nr_foll_pin_* counters.
      const result = await session.exclusive('pinunpin_script', pinUnpinRequest(scenario), 30);
      return pinUnpinObservations(result, scenario.actions.length);
    },
  },
  SplicePipe: {
    supports: supportsSplicePipe,
    unobservable: SPLICEPIPE_UNOBSERVABLE,
    scenarioSupport: splicePipeScenarioSupport,
    whyNot: splicePipeWhyNot,
    async run(session, scenario) {
      // Its own worker slot's filesystem, gate and pipes: runs concurrently with the others.
      const result = await session.request('splicepipe_script', splicePipeRequest(scenario), 30);
      return splicePipeObservations(result, scenario.actions);
    },
  },
};

/**
 * Specs a kernel profile constrains but the guest cannot reach at all: every scenario of theirs
 * is not applicable, with this reason (rather than "cannot realise action Init").
 */
const NOT_REALISABLE: Readonly<Record<string, string>> = {
  NetfsExtract:
    'netfs/cifs extraction (netfs_extract_user_iter, extract_iter_to_sg, smb_extract_iter_to_rdma) runs only under a cifs mount (smbdirect for RDMA), and netfs_read_gaps only under a netfs mount (cifs, 9p, afs, ceph) after a streaming write; the guest has no SMB server, network filesystem or RDMA device',
};

export function realisedSpecs(): string[] {
  return Object.keys(REALISATIONS);
}

export function createQemuTarget(
  session: KernelSession,
  profile: string,
  opts: QemuTargetOptions = {},
): Target {
  return {
    name: `qemu:${session.name}`,
    profiles: [profile],
    supports(spec, action) {
      // An action refused with a reason passes here and is refused in scenarioSupport, where
      // the contract lets a target say why (testgen applicability).
      const r = REALISATIONS[spec];
      if (r === undefined) return NOT_REALISABLE[spec] !== undefined;
      return r.supports(action) || r.whyNot?.(action) !== undefined;
    },
    realisesPrefixes(spec) {
      return REALISATIONS[spec]?.realisesPrefixes === true;
    },
    unobservable(spec) {
      return REALISATIONS[spec]?.unobservable ?? [];
    },
    scenarioSupport(scenario) {
      const r = REALISATIONS[scenario.spec];
      if (r === undefined)
        return NOT_REALISABLE[scenario.spec] ?? `no guest realisation of ${scenario.spec}`;
      for (const a of scenario.actions)
        if (!r.supports(a)) return r.whyNot?.(a) ?? `${formatAction(a)}: not realisable`;
      return r.scenarioSupport?.(scenario);
    },
    async run(scenario, runProfile) {
      if (runProfile !== profile)
        throw new Error(`qemu:${session.name} runs profile ${profile}, not ${runProfile}`);
      const r = REALISATIONS[scenario.spec];
      if (r === undefined)
        throw new Error(`qemu:${session.name} cannot realise spec ${scenario.spec}`);
      return r.run(session, scenario, opts);
    },
  };
}

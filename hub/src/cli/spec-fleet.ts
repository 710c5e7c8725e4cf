/**
 * The commands of `gitfleet` about the fleet: reading it from the hub (status, drift, history,
 * diff) and changing it through Git (pin, unpin, promote, freeze, thaw) — each with its
 * arguments, options, help and examples. Pure.
 */
import {
  appOption,
  envOption,
  exitCodeOption,
  reasonOption,
  targetOption,
  type CommandSpec,
} from './options.ts';

export const FLEET_COMMANDS: readonly CommandSpec[] = [
  {
    name: 'status',
    summary: 'application × target: revision, sync, health, drift, connection',
    description:
      'One line per application on each target it is placed on: the revision it runs (→ the one it is meant to run, when they differ), sync, health, drift count and the connection of the target. A Stale or Disconnected target is marked, and its health is never shown Healthy: its last report is old news. What is wrong with the fleet itself comes first: the fleet at the head of the branch not in force (and which commit is), fetch and read problems (a file over a limit, say) with what to do, and applications that could not be rendered.',
    positionals: [],
    options: [
      appOption,
      targetOption,
      envOption,
      exitCodeOption(
        "the fleet at the branch's head is not in force, or any application is not Synced and Healthy on a Connected target",
      ),
    ],
    examples: [
      'gitfleet status',
      'gitfleet status --env prod --exit-code',
      'gitfleet status --app web -o json',
    ],
    hub: true,
    git: false,
  },
  {
    name: 'drift',
    summary: 'what was changed on the clusters behind Git’s back, and since when',
    description:
      'Drift records grouped per target (then application, then object), per application (--by app) or per object across the fleet (--by object): each field with its desired and live value, the field manager that changed it, since when, and what the agent did (corrected, reported). Ends with fleet-wide counts by manager, kind and action.',
    positionals: [],
    options: [
      envOption,
      appOption,
      targetOption,
      {
        name: 'kind',
        type: 'string',
        value: 'KIND',
        help: 'only objects of this kind (Deployment)',
      },
      {
        name: 'manager',
        type: 'string',
        value: 'MANAGER',
        help: 'only drift made by this field manager (kubectl-edit)',
      },
      {
        name: 'by',
        type: 'string',
        value: 'GROUPING',
        help: 'group by target (then app), app (then target), or object (one object across targets)',
        default: 'target',
        complete: ['target', 'app', 'object'],
      },
      exitCodeOption('there is any drift'),
    ],
    examples: [
      'gitfleet drift',
      'gitfleet drift --env prod --manager kubectl-edit',
      'gitfleet drift --by object --kind Deployment',
      'gitfleet drift -o json',
    ],
    hub: true,
    git: false,
  },
  {
    name: 'history',
    summary: 'sync history of an application on a target, newest first',
    description:
      'Every change of sync state or revision the hub saw for the application on the target (the last 50).',
    positionals: [
      { name: 'APP', complete: 'apps' },
      { name: 'TARGET', complete: 'targets' },
    ],
    options: [],
    examples: ['gitfleet history web prod-eu-1'],
    hub: true,
    git: false,
  },
  {
    name: 'diff',
    summary: 'what a revision would change on a target',
    description:
      'The hub renders the application at REVISION for the target (its overlays and variables, the fleet in force) and compares the objects with what the target is meant to run now: per object added, removed or changed, with a unified diff of its YAML. Nothing is changed.',
    positionals: [{ name: 'APP', complete: 'apps' }],
    options: [
      { ...targetOption, help: 'the target to render for', required: true },
      {
        name: 'revision',
        type: 'string',
        value: 'REV',
        help: 'branch, tag or commit SHA',
        required: true,
      },
      exitCodeOption('the revision would change something'),
    ],
    examples: ['gitfleet diff web --target prod-eu-1 --revision v1.3.0'],
    hub: true,
    git: false,
  },
  {
    name: 'pin',
    summary: 'pin an application to a revision in an environment (a Git commit)',
    description:
      "Sets the Environment's pin (or, with --target, its target pin) in the fleet repository and pushes the commit; the hub rolls it out like any other commit. The revision is checked with the hub first (it must exist and render; --no-verify skips that). The fleet is validated as the hub would before anything is pushed.",
    positionals: [{ name: 'APP', complete: 'apps' }, { name: 'REVISION' }],
    options: [
      { ...envOption, help: 'the environment', required: true },
      { ...targetOption, help: 'pin on this target of the environment only (targetPins)' },
      reasonOption(true),
      {
        name: 'no-verify',
        type: 'boolean',
        help: 'do not ask the hub whether the revision exists and renders',
      },
    ],
    examples: ['gitfleet pin web v1.2.0 --env prod --reason "hold prod on 1.2 during the audit"'],
    hub: true,
    git: true,
  },
  {
    name: 'unpin',
    summary: 'remove a pin (a Git commit)',
    description:
      'Removes the pin of the application in the environment (or, with --target, its target pin): it follows the application’s targetRevision (or the environment pin) again.',
    positionals: [{ name: 'APP', complete: 'apps' }],
    options: [
      { ...envOption, help: 'the environment', required: true },
      { ...targetOption, help: 'remove the target pin of this target' },
      reasonOption(false),
    ],
    examples: ['gitfleet unpin web --env prod --reason "audit done"'],
    hub: false,
    git: true,
  },
  {
    name: 'promote',
    summary: 'pin the next environment to the revision the previous one runs healthily',
    description:
      'Asks the hub whether every target of --from that the application is placed on reports it Synced and Healthy, Connected, at the same revision; if so, pins --to to that commit (a Git commit), otherwise refuses (exit 1) and names the targets that are not there yet.',
    positionals: [{ name: 'APP', complete: 'apps' }],
    options: [
      {
        name: 'from',
        type: 'string',
        value: 'ENV',
        help: 'the environment that runs it',
        required: true,
        complete: 'environments',
      },
      {
        name: 'to',
        type: 'string',
        value: 'ENV',
        help: 'the environment to pin',
        required: true,
        complete: 'environments',
      },
      reasonOption(true),
    ],
    examples: ['gitfleet promote web --from staging --to prod --reason "soaked 24h in staging"'],
    hub: true,
    git: true,
  },
  {
    name: 'freeze',
    summary: 'freeze an environment: its targets keep what they have (a Git commit)',
    description:
      'Sets `frozen: true` on the Environment; its targets take no new revisions until it is thawed.',
    positionals: [{ name: 'ENV', complete: 'environments' }],
    options: [reasonOption(false)],
    examples: ['gitfleet freeze prod --reason "black friday"'],
    hub: false,
    git: true,
  },
  {
    name: 'thaw',
    summary: 'thaw a frozen environment (a Git commit)',
    description: 'Removes `frozen: true` from the Environment; its targets catch up with Git.',
    positionals: [{ name: 'ENV', complete: 'environments' }],
    options: [reasonOption(false)],
    examples: ['gitfleet thaw prod'],
    hub: false,
    git: true,
  },
];

/**
 * `gitfleet render`: the objects of an application for a target, rendered on this machine the
 * way the hub's resolver renders them — its arguments, options, help and examples. Pure.
 */
import { DEFAULT_SOURCE_RENDER } from '../sources/options.ts';
import { GIT_OPTIONS, targetOption, type CommandSpec, type OptionSpec } from './options.ts';

/** The options of GIT_OPTIONS that say where the fleet repository is (not the commit author). */
const FLEET_LOCATION: readonly OptionSpec[] = GIT_OPTIONS.filter((o) => o.name !== 'author');

export const RENDER_COMMAND: CommandSpec = {
  name: 'render',
  summary: 'the objects of an application for a target, rendered locally as the hub would',
  description:
    "Renders APP for --target on this machine with the hub's own code: the fleet repository and the application's repository are fetched over HTTP(S) into a temporary directory (removed afterwards), the fleet is checked as the hub checks it, the revision is the one the hub picks for the target (target pin, environment pin, else the application's targetRevision) unless --revision names another, and kustomize (kubectl kustomize) or helm (helm template) run with the fleet's overlays for the target, then the overlays, variables and project scope. Prints multi-document YAML (-o json: a JSON list) in the order the hub stores them; a problem names the file and line. A read-only token is enough for --fleet-token-file; other repositories take the hub's --repo-creds-file. A rollout in progress may hold the target at an earlier revision: give it with --revision.",
  positionals: [{ name: 'APP', complete: 'apps' }],
  options: [
    { ...targetOption, help: 'the target to render for', required: true },
    {
      name: 'revision',
      type: 'string',
      value: 'REV',
      help: "commit SHA, branch or tag of the application's repository, instead of the one the hub picks",
      defaultText: 'the pin of the target or its environment, else the targetRevision',
    },
    {
      name: 'output',
      short: 'o',
      type: 'string',
      value: 'FORMAT',
      help: 'yaml (multi-document YAML) or json (a JSON list of the objects)',
      default: 'yaml',
      complete: ['yaml', 'json'],
    },
    {
      name: 'kubectl-command',
      type: 'string',
      value: 'PATH',
      help: 'the kubectl that renders kustomize applications (`kubectl kustomize`), as the hub’s flag',
      env: 'GITFLEET_KUBECTL_COMMAND',
      default: DEFAULT_SOURCE_RENDER.kubectlCommand,
      complete: 'file',
    },
    {
      name: 'helm-command',
      type: 'string',
      value: 'PATH',
      help: 'the helm that renders helm applications (`helm template`), as the hub’s flag',
      env: 'GITFLEET_HELM_COMMAND',
      default: DEFAULT_SOURCE_RENDER.helmCommand,
      complete: 'file',
    },
    {
      name: 'repo-creds-file',
      type: 'string',
      value: 'PATH',
      help: 'YAML list of repository credentials by URL prefix, the hub’s --repo-creds-file (docs/sources.md)',
      env: 'GITFLEET_REPO_CREDS_FILE',
      defaultText: 'none (only the fleet repository has a token)',
      complete: 'file',
    },
    ...FLEET_LOCATION,
  ],
  examples: [
    'gitfleet render web --target prod-eu-1',
    'gitfleet render web --target prod-eu-1 --revision v1.3.0 -o json',
    'gitfleet render web --target stg-1 --fleet-repo https://git.example.com/platform/fleet.git --helm-command /usr/local/bin/helm',
  ],
  hub: true,
  git: false,
};

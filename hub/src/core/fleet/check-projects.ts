/**
 * The fleet-wide checks of Projects: an application naming a project that is not declared is an
 * error; a project naming a target that is not declared, and an application whose source or
 * placement its project does not allow, are warnings. The fleet is still accepted then: the hub
 * refuses only the (application, target) pairs outside the scope when it renders them
 * (../../resolve/render-target.ts), so the other applications keep being delivered. The scope
 * decision is `scopeViolations` of `@gitfleet/proto/domain`, the same one the render applies.
 */
import { DEFAULT_PROJECT, scopeViolations } from '@gitfleet/proto/domain';
import type { ScopeRule } from '@gitfleet/proto/domain';
import type { ReadObject } from './read-objects.ts';
import { report } from './read.ts';
import type { FleetProblem, FleetSpec, ProjectSpec } from './types.ts';

/** How many names a message lists before "and N more". */
const MAX_NAMES_IN_MESSAGE = 5;

type AppObject = Extract<ReadObject, { kind: 'Application' }>;
type ProjectObject = Extract<ReadObject, { kind: 'Project' }>;

function listNames(names: readonly string[]): string {
  const shown = names.slice(0, MAX_NAMES_IN_MESSAGE).join(', ');
  const more = names.length - MAX_NAMES_IN_MESSAGE;
  return more > 0 ? `${shown} and ${String(more)} more` : shown;
}

/** `projects/payments.yaml:7 spec.sourceRepos`: where a project's rule is written. */
export function ruleLocation(project: ProjectSpec, rule: ScopeRule): string {
  const at = project.declaredAt;
  return `${at.file}:${String(at.rules[rule] ?? at.line)} spec.${rule}`;
}

/**
 * Checks the projects of `spec` and the applications that name them. `placed`: application →
 * the targets its placement selects (as the fleet-wide checks computed it).
 */
export function checkProjects(
  spec: FleetSpec,
  projects: readonly ProjectObject[],
  applications: readonly AppObject[],
  placed: ReadonlyMap<string, ReadonlySet<string>>,
  problems: FleetProblem[],
): void {
  const declaredTargets = new Set(spec.targets.map((t) => t.name));
  for (const project of projects) {
    for (const [name, at] of project.targetNamesAt) {
      if (declaredTargets.has(name)) continue;
      report(
        { file: project.file, problems },
        at.pos,
        at.field,
        `target "${name}" is not declared in the fleet; the name allows nothing until it is`,
        'warning',
      );
    }
  }
  const byName = new Map((spec.projects ?? []).map((p) => [p.name, p]));
  // a project with problems of its own is not judged against applications (no cascade)
  const invalid = new Set(projects.filter((p) => !p.valid).map((p) => p.name));
  for (const app of applications) {
    const ctx = { file: app.file, problems };
    const name = app.spec.project ?? DEFAULT_PROJECT;
    const project = byName.get(name);
    if (project === undefined) {
      if (name !== DEFAULT_PROJECT && app.projectAt !== undefined) {
        const known = [...byName.keys()];
        report(
          ctx,
          app.projectAt.pos,
          app.projectAt.field,
          `Project "${name}" is not declared in the fleet (declared: ${known.length === 0 ? 'none' : listNames(known)}); declare it, or leave project out for the unrestricted default project`,
        );
      }
      continue;
    }
    if (invalid.has(name)) continue;
    const repoURL = app.spec.source.repoURL;
    if (repoURL !== undefined) {
      const [violation] = scopeViolations(project, { source: { repoURL } });
      if (violation !== undefined) {
        report(
          ctx,
          app.repoURLAt?.pos ?? app.at,
          app.repoURLAt?.field ?? 'spec.source.repoURL',
          `${violation.message}, written at ${ruleLocation(project, violation.rule)}; the application is delivered nowhere until the source or the project changes`,
          'warning',
        );
      }
    }
    if (app.placementAt === undefined) continue;
    const outside = spec.targets
      .filter((t) => placed.get(app.spec.name)?.has(t.name) === true)
      .filter((t) => scopeViolations(project, { target: t }).length > 0)
      .map((t) => t.name);
    if (outside.length > 0) {
      report(
        ctx,
        app.placementAt.pos,
        app.placementAt.field,
        `selects target(s) ${listNames(outside)} outside project "${project.name}" (${ruleLocation(project, 'targets')}); the application is not delivered there`,
        'warning',
      );
    }
  }
}

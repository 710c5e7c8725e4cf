/**
 * The only place the gitfleet.v1 .proto files are loaded. The options here are the ones the type
 * generator (proto/scripts/gen.ts) uses, so the committed types in ./generated describe exactly
 * what this loader decodes.
 */
import { join } from 'node:path';
import { loadSync } from '@grpc/proto-loader';
import type { Options, PackageDefinition } from '@grpc/proto-loader';

/** Folder that holds `gitfleet/v1/*.proto` (the include root). */
export const PROTO_ROOT = join(import.meta.dirname, '..');

/** Entry .proto files, relative to {@link PROTO_ROOT}. They import every other gitfleet file. */
export const PROTO_FILES: readonly string[] = [
  'gitfleet/v1/agent_link.proto',
  'gitfleet/v1/registration.proto',
];

/** Fully-qualified name of the AgentLink service. */
export const AGENT_LINK_SERVICE = 'gitfleet.v1.AgentLink';

/** Fully-qualified name of the Registration service. */
export const REGISTRATION_SERVICE = 'gitfleet.v1.Registration';

/**
 * proto-loader options, shared with the generator: camelCase fields, 64-bit integers as decimal
 * strings, enums as their names, defaults filled in, and a virtual `payload` field naming the set
 * member of each oneof.
 */
export const LOADER_OPTIONS = Object.freeze({
  keepCase: false,
  longs: String,
  enums: String,
  defaults: true,
  oneofs: true,
  includeDirs: [PROTO_ROOT],
} satisfies Options);

let cached: PackageDefinition | undefined;

/** Loads (once per process) the gitfleet.v1 package definition. */
export function loadGitfleetPackageDefinition(): PackageDefinition {
  cached ??= loadSync([...PROTO_FILES], LOADER_OPTIONS);
  return cached;
}

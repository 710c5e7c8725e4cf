/**
 * The Environment edits of the write commands: the pure edit of ../core/fleet/env-edit.ts, its
 * refusals as the CLI's errors (exit 4 for an Environment the file does not declare, exit 1 for
 * an edit to make by hand).
 */
import { ErrorCode, isGitfleetError } from '@gitfleet/proto';
import {
  EDIT_BY_HAND_ADVICE,
  editEnvironment as editEnvironmentText,
  type EditOutcome,
  type EnvironmentEdit,
} from '../core/fleet/env-edit.ts';
import { CliError, ExitCode } from './errors.ts';

export { filesDeclaringEnvironment, scalarText } from '../core/fleet/env-edit.ts';
export type { EditOutcome, EnvironmentEdit } from '../core/fleet/env-edit.ts';

/**
 * Applies `edit` to the Environment `name` declared in `text` (one file's content).
 *
 * @throws CliError exit 4 when the file does not declare that Environment; exit 1 when no edit
 *   both keeps the file's other content and means exactly the change (edit the file by hand)
 * @example editEnvironment(text, 'prod', { kind: 'pin', app: 'web', revision: 'v1.2.0' })
 */
export function editEnvironment(text: string, name: string, edit: EnvironmentEdit): EditOutcome {
  try {
    return editEnvironmentText(text, name, edit);
  } catch (err) {
    if (!isGitfleetError(err)) throw err;
    if (err.code === ErrorCode.NotFound) throw new CliError(ExitCode.NotFound, err.message);
    throw new CliError(ExitCode.Failed, err.message, { details: [EDIT_BY_HAND_ADVICE] });
  }
}

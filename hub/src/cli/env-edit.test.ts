import { describe, expect, it } from 'vitest';
import { editEnvironment } from './env-edit.ts';

const ENV =
  'apiVersion: gitfleet.dev/v1alpha1\nkind: Environment\nmetadata: { name: dev }\nspec:\n  selector: {}\n';

describe('editEnvironment (the CLI errors over ../core/fleet/env-edit.ts)', () => {
  it('edits as the core edit does', () => {
    expect(editEnvironment(ENV, 'dev', { kind: 'freeze' })).toEqual({
      text: `${ENV}  frozen: true\n`,
      changed: true,
    });
  });

  it('refuses an environment the file does not declare with exit 4', () => {
    expect(() => editEnvironment(ENV, 'prod', { kind: 'freeze' })).toThrow(
      expect.objectContaining({
        name: 'CliError',
        exitCode: 4,
        message: 'no Environment "prod" is declared in this file',
      }),
    );
  });
});

import { describe, expect, it } from 'vitest';

import { UsageError } from '../../../src/errors.js';
import type { Choice } from '../../../src/types.js';
import { resolveChoices, type ChoiceMode } from '../../../src/wizard/choices.js';
import type { Prompter } from '../../../src/wizard/prompts.js';

const PROFILE: Choice = {
  key: 'profile',
  message: 'Who may change .env?',
  options: [
    { value: 'locked', label: 'locked' },
    { value: 'app-managed', label: 'app-managed' },
  ],
};
const COPIES: Choice = { ...PROFILE, key: 'copies', message: 'Quarantine?', options: [{ value: 'quarantine', label: 'q' }, { value: 'keep', label: 'k' }], recommended: 'quarantine' };
const ADMIN: Choice = { key: 'adminPassword', message: 'Admin password', type: 'password', options: [] };

function mode(overrides: Partial<ChoiceMode>): ChoiceMode {
  return { answers: undefined, yes: false, dryRun: false, prompter: null, say: () => undefined, ...overrides };
}

describe('resolveChoices', () => {
  it('takes answers first, then recommended values with --yes', async () => {
    const resolved = await resolveChoices('files', [PROFILE, COPIES], mode({ answers: { profile: 'app-managed' }, yes: true }));
    expect(resolved.values).toEqual({ profile: 'app-managed', copies: 'quarantine' });
    expect(resolved.assumed).toEqual([]);
  });

  it('names the answers key when nobody can be asked', async () => {
    const missing = resolveChoices('files', [PROFILE], mode({ yes: true }));
    await expect(missing).rejects.toBeInstanceOf(UsageError);
    await expect(resolveChoices('files', [PROFILE], mode({}))).rejects.toThrow(
      'no answer for "files.profile" (one of locked, app-managed)',
    );
  });

  it('rejects an invalid value naming the allowed ones', async () => {
    await expect(resolveChoices('files', [PROFILE], mode({ answers: { profile: 'open' } }))).rejects.toThrow(
      '"files.profile" is "open"; expected one of "locked", "app-managed"',
    );
  });

  it('rejects an unknown key', async () => {
    await expect(resolveChoices('files', [PROFILE], mode({ answers: { profle: 'locked' } }))).rejects.toThrow('unknown key "files.profle"');
  });

  it('accepts a key this step asks only on other hosts', async () => {
    const resolved = await resolveChoices('app', [COPIES], mode({ answers: { appKey: 'keep' }, yes: true }), ['appKey', 'copies']);
    expect(resolved.values).toEqual({ appKey: 'keep', copies: 'quarantine' });
  });

  it('skips a choice whose condition is false', async () => {
    const via: Choice = { ...COPIES, key: 'adminVia', options: [{ value: 'socket', label: 's' }, { value: 'tcp', label: 't' }], recommended: 'socket' };
    const host: Choice = { key: 'adminHost', message: 'Host', type: 'input', options: [], when: (values) => values.adminVia === 'tcp' };
    const bySocket = await resolveChoices('database', [via, host], mode({ yes: true }));
    expect(bySocket.values).toEqual({ adminVia: 'socket' });
    await expect(resolveChoices('database', [via, host], mode({ answers: { adminVia: 'tcp' }, yes: true }))).rejects.toThrow(
      'no answer for "database.adminHost"',
    );
  });

  it('assumes the recommended value in a dry run without a terminal', async () => {
    const resolved = await resolveChoices('storage', [COPIES], mode({ dryRun: true }));
    expect(resolved).toEqual({ values: { copies: 'quarantine' }, assumed: ['copies'] });
  });

  it('previews the first option when nothing is recommended', async () => {
    const resolved = await resolveChoices('files', [PROFILE], mode({ dryRun: true }));
    expect(resolved).toEqual({ values: { profile: 'locked' }, assumed: ['profile'] });
  });

  it('accepts an environment variable name for a password', async () => {
    const resolved = await resolveChoices('database', [ADMIN], mode({ answers: { adminPasswordEnv: 'DB_ADMIN_PASSWORD' } }));
    expect(resolved.values).toEqual({ adminPasswordEnv: 'DB_ADMIN_PASSWORD' });
    await expect(resolveChoices('database', [ADMIN], mode({}))).rejects.toThrow('{"database": {"adminPasswordEnv": "NAME_OF_AN_ENVIRONMENT_VARIABLE"}}');
  });

  it('asks the prompter with the recommended value as default', async () => {
    const asked: string[] = [];
    const prompter: Prompter = {
      select: async (message, _options, defaultValue) => {
        asked.push(`${message} [${defaultValue}]`);
        return 'keep';
      },
      confirm: async () => true,
      input: async () => '',
      password: async () => '',
    };
    const resolved = await resolveChoices('storage', [COPIES], mode({ prompter }));
    expect(resolved.values).toEqual({ copies: 'keep' });
    expect(asked).toEqual(['Quarantine? [quarantine]']);
  });
});

import { describe, expect, it } from 'vitest';

import { validateAnswers } from '../../../src/answers.js';
import { UsageError } from '../../../src/errors.js';

describe('validateAnswers', () => {
  it('accepts step choices and options', () => {
    const answers = validateAnswers(
      { files: { action: 'apply', profile: 'locked' }, database: { retireOld: true }, options: { probeUrl: 'http://127.0.0.1/' } },
      'a.json',
    );
    expect(answers.files).toEqual({ action: 'apply', profile: 'locked' });
    expect(answers.database).toEqual({ retireOld: 'yes' });
    expect(answers.options?.probeUrl).toBe('http://127.0.0.1/');
  });

  it('names an unknown step and the allowed keys', () => {
    expect(() => validateAnswers({ webserver: {} }, 'a.json')).toThrow(UsageError);
    expect(() => validateAnswers({ webserver: {} }, 'a.json')).toThrow(/unknown key "webserver".*web, files, storage, database, app, options/);
  });

  it('rejects an action other than apply or skip', () => {
    expect(() => validateAnswers({ app: { action: 'maybe' } }, 'a.json')).toThrow(/"app.action" is "maybe"/);
  });

  it('rejects an unknown option', () => {
    expect(() => validateAnswers({ options: { colour: 'x' } }, 'a.json')).toThrow(/options.colour/);
  });

  it('rejects a non-object document', () => {
    expect(() => validateAnswers([], 'a.json')).toThrow(/JSON object/);
  });

  it('rejects a password written into the file', () => {
    expect(() => validateAnswers({ database: { adminPassword: 'hunter2xyz' } }, 'a.json')).toThrow(UsageError);
    expect(() => validateAnswers({ database: { adminPassword: 'hunter2xyz' } }, 'a.json')).toThrow(/"database.adminPasswordEnv"/);
    expect(() => validateAnswers({ database: { adminPassword: 'hunter2xyz' } }, 'a.json')).not.toThrow(/hunter2xyz/);
  });

  it('accepts the name of a password variable', () => {
    expect(validateAnswers({ database: { adminPasswordEnv: 'DB_ADMIN_PASSWORD' } }, 'a.json').database).toEqual({ adminPasswordEnv: 'DB_ADMIN_PASSWORD' });
  });
});

// Laravel's env() keywords and PHP's (bool) cast, as Cachet reads APP_DEBUG.

import { describe, expect, it } from 'vitest';
import { envBool, laravelEnv, parseEnv, phpBool } from '../../../src/dotenv/index.js';

describe('laravelEnv', () => {
  it.each([
    ['true', true],
    ['(TRUE)', true],
    ['False', false],
    ['(false)', false],
    ['NULL', null],
    ['(null)', null],
    ['empty', ''],
    ['(Empty)', ''],
    ['off', 'off'],
    ['"quoted"', 'quoted'],
    ["'single'", 'single'],
    ['"', '"'],
    ['"a\nb"', '"a\nb"'],
    ['"mismatched\'', '"mismatched\''],
  ] as const)('maps %j for Cachet 3.x', (value, expected) => {
    expect(laravelEnv(value, 'phpdotenv5')).toBe(expected);
  });

  it('strips only double quotes for Cachet 2.x', () => {
    expect(laravelEnv('"quoted"', 'phpdotenv2')).toBe('quoted');
    expect(laravelEnv("'single'", 'phpdotenv2')).toBe("'single'");
    expect(laravelEnv('"', 'phpdotenv2')).toBe('"');
  });

  it('keeps unset as undefined', () => {
    expect(laravelEnv(undefined)).toBeUndefined();
  });
});

describe('phpBool', () => {
  it.each([
    ['', false],
    ['0', false],
    ['0.0', true],
    ['false', true],
    [' ', true],
    [null, false],
    [undefined, false],
    [true, true],
    [false, false],
  ] as const)('casts %j', (value, expected) => {
    expect(phpBool(value)).toBe(expected);
  });
});

describe('envBool', () => {
  it.each(['off', 'no', 'yes', '1', 'true', '(true)', 'on', 'debug'])('treats APP_DEBUG=%s as on', (value) => {
    expect(envBool(value)).toBe(true);
    expect(envBool(value, 'phpdotenv2')).toBe(true);
  });

  it.each(['false', '(false)', 'FALSE', '0', '', 'null', '(null)', 'empty', '(empty)'])('treats APP_DEBUG=%j as off', (value) => {
    expect(envBool(value)).toBe(false);
    expect(envBool(value, 'phpdotenv2')).toBe(false);
  });

  it('treats an unset variable as off', () => {
    expect(envBool(undefined)).toBe(false);
  });

  it('reads APP_DEBUG=off from a file as debug on', () => {
    for (const dialect of ['phpdotenv2', 'phpdotenv5'] as const) {
      const document = parseEnv('APP_ENV=production\nAPP_DEBUG=off\n', dialect);
      expect(envBool(document.get('APP_DEBUG'), dialect)).toBe(true);
    }
  });

  it('checks keywords before stripping quotes', () => {
    // phpdotenv returns "false" with its quotes for A='"false"'; env() strips them after the keyword check.
    expect(envBool('"false"')).toBe(true);
    expect(envBool('"0"')).toBe(false);
  });
});

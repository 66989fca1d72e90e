import { describe, expect, it } from 'vitest';

import { validateMysqlHost, validateNewAccountHost } from '../../../src/database/identifiers.js';
import { UsageError } from '../../../src/errors.js';

describe('validateNewAccountHost', () => {
  it.each(['localhost', '127.0.0.1', '::1', 'app-1.example.com', '10.0.0.5'])('accepts %s', (host) => {
    expect(validateNewAccountHost(host)).toBe(host);
  });

  it.each(['%', '10.0.0.%', 'app_1', "x' OR '1", ''])('rejects %s', (host) => {
    expect(() => validateNewAccountHost(host)).toThrow(UsageError);
  });
});

describe('validateMysqlHost', () => {
  it.each(['%', '10.0.0.%', 'localhost'])('names an existing account host %s', (host) => {
    expect(validateMysqlHost(host)).toBe(host);
  });

  it.each(["x' OR '1", '', 'a b'])('rejects %s', (host) => {
    expect(() => validateMysqlHost(host)).toThrow(UsageError);
  });
});

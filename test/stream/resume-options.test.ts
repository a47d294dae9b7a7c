import { describe, expect, it } from 'vitest';
import { ResilientClient } from '../../src/client/client.js';
import { isConfigError } from '../../src/errors/errors.js';
import { DEFAULT_RESUME_INSTRUCTION, resolveResume, validateStreamOptions } from '../../src/stream/options.js';

const messageOf = (fn: () => unknown): string => {
  try {
    fn();
  } catch (e) {
    expect(isConfigError(e)).toBe(true);
    return (e as Error).message;
  }
  throw new Error('expected a ConfigError');
};

describe('stream.resume options', () => {
  it('accepts true, false and the object form; resolves the defaults', () => {
    expect(validateStreamOptions({ resume: true }).resume).toBe(true);
    expect(validateStreamOptions({ resume: { model: 'next', maxResumes: 3 } }).resume).toEqual({ model: 'next', maxResumes: 3 });
    expect(resolveResume(undefined)).toBeUndefined();
    expect(resolveResume(false)).toBeUndefined();
    expect(resolveResume(true)).toEqual({ model: 'same', maxResumes: 1, instruction: DEFAULT_RESUME_INSTRUCTION });
    expect(resolveResume({ model: 'next', instruction: 'Go on.' })).toEqual({ model: 'next', maxResumes: 1, instruction: 'Go on.' });
  });

  it.each([
    [{ resume: 'yes' }, 'stream.resume: expected true, false or { model, maxResumes, instruction }'],
    [{ resume: { model: 'other' } }, "stream.resume.model: expected 'same' or 'next'"],
    [{ resume: { maxResumes: 0 } }, 'stream.resume.maxResumes: expected a positive integer, received 0'],
    [{ resume: { maxResumes: 11 } }, 'stream.resume.maxResumes: expected at most 10'],
    [{ resume: { instruction: '' } }, 'stream.resume.instruction: expected a non-empty string'],
    [{ resume: { models: 'same' } }, 'stream.resume.models: unknown option'],
  ])('rejects %j naming path, expectation and value', (input, message) => {
    expect(messageOf(() => validateStreamOptions(input))).toContain(message);
  });

  it('is validated on the client and per call', async () => {
    expect(messageOf(() => new ResilientClient({ models: ['m'], stream: { resume: { model: 'first' } as never } }))).toContain('stream.resume.model');
    const client = new ResilientClient({ models: ['m'] });
    await expect(client.run(() => 'x', { stream: { resume: { maxResumes: -1 } } })).rejects.toThrow('run.stream.resume.maxResumes');
    await client.dispose();
  });
});

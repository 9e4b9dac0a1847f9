/**
 * The journal and the history files are AppendFiles: what a power cut leaves at their end (a line
 * cut off, a tail of zeros from blocks allocated but never written, empty lines) must be dropped
 * on the next start, so the next append starts on a clean line; damage earlier in the file must be
 * reported, not silently dropped; and an append must leave nothing open or half-written behind.
 */
import { mkdir, mkdtemp, open, readFile, rename, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AppendFile } from '../../src/store/append-file.js';
import type { OpenFile } from '../../src/store/durable-file.js';
import { rejection } from '../support/errors.js';

let dir: string;
let target: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'wmbus-append-'));
  target = path.join(dir, 'journal.jsonl');
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const textOf = (file: string): Promise<string | undefined> => readFile(file, 'utf8').catch(() => undefined);

/** Loads `content` as a file left behind; returns what load() gave, the warnings and the file afterwards. */
async function loadLeft(content: string | Buffer, options: { skipDamaged?: boolean } = {}) {
  await writeFile(target, content);
  const warnings: string[] = [];
  const file = new AppendFile(target, (m) => warnings.push(m));
  const loaded = await file.load(options);
  return { file, loaded, warnings, after: await textOf(target) };
}

describe('AppendFile after a power cut', () => {
  it('drops a last line that parses but lost its line end (a number may have been cut short)', async () => {
    const { file, loaded, warnings, after } = await loadLeft('{"a":1}\n{"a":2}\n12');
    expect(loaded).toEqual({ lines: [{ a: 1 }, { a: 2 }] });
    expect(warnings).toEqual([`${target}: the last line was cut off (power lost while it was written); skipped it`]);
    expect(after).toBe('{"a":1}\n{"a":2}\n');
    expect(file.size).toBe(16);
    await file.append([{ a: 3 }]);
    expect(await textOf(target)).toBe('{"a":1}\n{"a":2}\n{"a":3}\n');
  });

  it('drops a tail of zeros after the last whole line (blocks allocated, never written)', async () => {
    const { file, loaded, warnings, after } = await loadLeft(Buffer.concat([Buffer.from('{"a":1}\n'), Buffer.alloc(12)]));
    expect(loaded).toEqual({ lines: [{ a: 1 }] });
    expect(warnings).toHaveLength(1);
    expect(after).toBe('{"a":1}\n');
    expect(file.size).toBe(8);
  });

  it('drops a tail of zeros ending in a line end, and a tail of empty lines', async () => {
    const zeros = await loadLeft(Buffer.concat([Buffer.from('{"a":1}\n'), Buffer.alloc(5), Buffer.from('\n')]));
    expect(zeros.loaded).toEqual({ lines: [{ a: 1 }] });
    expect(zeros.after).toBe('{"a":1}\n');
    const mixed = await loadLeft(Buffer.concat([Buffer.from('{"a":1}\n'), Buffer.alloc(3), Buffer.from('\n'), Buffer.alloc(4)]));
    expect(mixed.loaded).toEqual({ lines: [{ a: 1 }] });
    expect(mixed.after).toBe('{"a":1}\n');
    const empty = await loadLeft('{"a":1}\n\n\n');
    expect(empty.loaded).toEqual({ lines: [{ a: 1 }] });
    expect(empty.after).toBe('{"a":1}\n');
    expect(empty.warnings).toHaveLength(1);
  });

  it('drops a cut-off first line, leaving an empty file', async () => {
    const { file, loaded, after } = await loadLeft('{"a":');
    expect(loaded).toEqual({ lines: [] });
    expect(after).toBe('');
    expect(file.size).toBe(0);
  });

  it('reads a file with whole lines as it is, without a warning', async () => {
    const { file, loaded, warnings, after } = await loadLeft('{"a":1}\n[2]\n"three"\n');
    expect(loaded).toEqual({ lines: [{ a: 1 }, [2], 'three'] });
    expect(warnings).toEqual([]);
    expect(after).toBe('{"a":1}\n[2]\n"three"\n');
    expect(file.size).toBe(20);
  });
});

describe('AppendFile with damage before the last line', () => {
  it('stops at a damaged line, keeps the file and says which line and why', async () => {
    const { file, loaded, warnings, after } = await loadLeft('{"a":1}\n{"a":\n{"a":3}\n');
    expect(loaded.lines).toEqual([{ a: 1 }]);
    expect(loaded.damage).toMatch(new RegExp(`^line 2 of ${target} is damaged \\(.*JSON.*\\)$`));
    expect(warnings).toEqual([]);
    expect(after).toBe('{"a":1}\n{"a":\n{"a":3}\n');
    expect(file.size).toBe(22);
  });

  it('reports damage at the very first byte (an empty first line) instead of reading on', async () => {
    const { loaded, after } = await loadLeft('\n{"a":2}\n');
    expect(loaded.lines).toEqual([]);
    expect(loaded.damage).toMatch(/^line 1 of .* is damaged \(.+\)$/);
    expect(after).toBe('\n{"a":2}\n');
  });

  it('reports a line of zeros followed by good lines as damage, not as a power cut', async () => {
    const { loaded, after } = await loadLeft(Buffer.concat([Buffer.from('{"a":1}\n'), Buffer.alloc(3), Buffer.from('\n{"a":3}\n')]));
    expect(loaded.lines).toEqual([{ a: 1 }]);
    expect(loaded.damage).toMatch(/^line 2 of /);
    expect(after).toHaveLength(8 + 4 + 8);
  });

  it('with skipDamaged, leaves damaged lines out, reads the rest and counts them', async () => {
    const { loaded } = await loadLeft('{"a":1}\nxx\n{"a":3}\n{"a"\n{"a":5}\n', { skipDamaged: true });
    expect(loaded.lines).toEqual([{ a: 1 }, { a: 3 }, { a: 5 }]);
    expect(loaded.damage).toMatch(new RegExp(`^2 damaged lines in ${target}: line 2 \\(.+\\), line 4 \\(.+\\)$`));
  });

  it('with skipDamaged, names at most three damaged lines', async () => {
    const { loaded } = await loadLeft('x\n{"a":2}\nx\nx\nx\nx\n{"a":7}\n', { skipDamaged: true });
    expect(loaded.lines).toEqual([{ a: 2 }, { a: 7 }]);
    expect(loaded.damage).toMatch(/^5 damaged lines in [^:]*: line 1 \([^()]+\), line 3 \([^()]+\), line 4 \([^()]+\) and 2 more$/);
    const three = await loadLeft('x\nx\nx\n{"a":4}\n', { skipDamaged: true });
    expect(three.loaded.damage).toMatch(/^3 damaged lines in [^:]*: line 1 \([^()]+\), line 2 \([^()]+\), line 3 \([^()]+\)$/);
  });

  it('with skipDamaged, one damaged line is "1 damaged line", and a torn tail is still cut off', async () => {
    const { loaded, warnings, after } = await loadLeft('{"a":1}\nxx\n{"a":3}\n{"a', { skipDamaged: true });
    expect(loaded.lines).toEqual([{ a: 1 }, { a: 3 }]);
    expect(loaded.damage).toMatch(/^1 damaged line in /);
    expect(warnings).toHaveLength(1);
    expect(after).toBe('{"a":1}\nxx\n{"a":3}\n');
  });

  it('a read error other than a missing file is thrown with the path, not taken as an empty file', async () => {
    await mkdir(target);
    const file = new AppendFile(target);
    await rejection(file.load(), Error, new RegExp(`^${target}: EISDIR`), { code: 'EISDIR' });
  });

  it('a file it cannot look at is an error, not a missing file', async () => {
    await writeFile(path.join(dir, 'plain'), '');
    const file = new AppendFile(path.join(dir, 'plain', 'journal.jsonl'));
    await rejection(file.intact(), Error, /ENOTDIR/, { code: 'ENOTDIR' });
  });

  it('a missing file has no lines and size 0', async () => {
    const file = new AppendFile(target);
    expect(await file.load()).toEqual({ lines: [] });
    expect(file.size).toBe(0);
    expect(await file.intact()).toBe(true);
  });
});

describe('AppendFile appends', () => {
  /** An open() that counts the handles opened and closed; with `failSync` every fsync fails. */
  function countingOpen(counts: { opened: number; closed: number; failSync: boolean }): OpenFile {
    return async (file, flags, mode) => {
      const fh = await open(file, flags, mode);
      counts.opened++;
      const close = fh.close.bind(fh);
      fh.close = async () => {
        counts.closed++;
        return close();
      };
      const sync = fh.sync.bind(fh);
      fh.sync = async () => {
        if (counts.failSync) throw Object.assign(new Error('EIO: i/o error, fsync'), { code: 'EIO' });
        return sync();
      };
      return fh;
    };
  }

  it('an empty append writes nothing and creates no file', async () => {
    const file = new AppendFile(path.join(dir, 'sub', 'journal.jsonl'));
    await file.load();
    await file.append([]);
    expect(await textOf(path.join(dir, 'sub', 'journal.jsonl'))).toBeUndefined();
    expect(file.size).toBe(0);
    expect(file.bytesWritten).toBe(0);
  });

  it('creates the folder of a new file, and counts the bytes it wrote', async () => {
    const nested = path.join(dir, 'a', 'b', 'journal.jsonl');
    const file = new AppendFile(nested);
    await file.load();
    await file.append([{ a: 1 }]);
    await file.append([{ b: 'ü' }, 3]);
    expect(await textOf(nested)).toBe('{"a":1}\n{"b":"ü"}\n3\n');
    expect(file.bytesWritten).toBe(8 + 11 + 2);
    expect(file.size).toBe(21);
    expect(await file.intact()).toBe(true);
  });

  it('closes every file it opens, also when the write fails', async () => {
    const counts = { opened: 0, closed: 0, failSync: false };
    const file = new AppendFile(target, () => {}, countingOpen(counts));
    await file.load();
    await file.append([{ a: 1 }]);
    await file.append([{ a: 2 }]);
    // the file twice, and its folder once for the fsync of the new file's name
    expect(counts).toEqual({ opened: 3, closed: 3, failSync: false });
    counts.failSync = true;
    await rejection(file.append([{ a: 3 }]), Error, /EIO/, { code: 'EIO' });
    expect(counts).toEqual({ opened: 4, closed: 4, failSync: true });
    expect(await textOf(target)).toBe('{"a":1}\n{"a":2}\n');
  });

  it("makes the folder again when it went away while running, and fsyncs a new file's folder without a load first", async () => {
    const nested = path.join(dir, 'card', 'journal.jsonl');
    const counts = { opened: 0, closed: 0, failSync: false };
    const file = new AppendFile(nested, () => {}, countingOpen(counts));
    await file.append([{ a: 1 }]);
    expect(counts.opened).toBe(2); // the file, then its folder for the fsync of the new name
    await rm(path.join(dir, 'card'), { recursive: true });
    await file.append([{ a: 2 }]);
    expect(await textOf(nested)).toBe('{"a":2}\n');
    expect(counts.opened).toBe(4); // the new file's folder is fsynced again
  });

  it('after the file was moved away: not intact, and after reset() a new file starts', async () => {
    const file = new AppendFile(target);
    await file.load();
    await file.append([{ a: 1 }]);
    await rename(target, `${target}.1`);
    expect(await file.intact()).toBe(false);
    file.reset();
    expect(file.size).toBe(0);
    expect(await file.intact()).toBe(true);
    await file.append([{ a: 2 }]);
    expect(await textOf(target)).toBe('{"a":2}\n');
    expect(file.size).toBe(8);
  });

  it('a file cut from outside is not intact', async () => {
    const file = new AppendFile(target);
    await file.load();
    await file.append([{ a: 1 }, { a: 2 }]);
    await writeFile(target, '{"a":1}\n');
    expect(await file.intact()).toBe(false);
  });
});

/**
 * DurableJsonFile (state.json, keys.json, meters) where things go wrong: the file gone with its
 * previous copy left, a file that cannot be read, a damaged file's name and message, file systems
 * that refuse an fsync of a folder, and errors that must name the file a user has to look at.
 */
import { mkdir, mkdtemp, open, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DurableJsonFile, type OpenFile, printable } from '../../src/store/durable-file.js';
import { rejection } from '../support/errors.js';

let dir: string;
let target: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'wmbus-durable-'));
  target = path.join(dir, 'state.json');
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

interface Seam {
  opened: number;
  closed: number;
  /** error code an fsync of the folder fails with */
  folderSync?: string;
  /** error code opening the folder fails with */
  folderOpen?: string;
  /** message an fsync of the temp file fails with */
  fileSync?: string;
}

/** An open() that counts handles and fails folder or file fsyncs as told. */
function seamOpen(seam: Seam): OpenFile {
  return async (file, flags, mode) => {
    const isFolder = file === dir;
    if (isFolder && seam.folderOpen) throw Object.assign(new Error(`${seam.folderOpen}: open`), { code: seam.folderOpen });
    const fh = await open(file, flags, mode);
    seam.opened++;
    const close = fh.close.bind(fh);
    fh.close = async () => {
      seam.closed++;
      return close();
    };
    const sync = fh.sync.bind(fh);
    fh.sync = async () => {
      if (isFolder && seam.folderSync) throw Object.assign(new Error(`${seam.folderSync}: fsync`), { code: seam.folderSync });
      if (!isFolder && seam.fileSync) throw Object.assign(new Error(seam.fileSync), { code: 'EIO' });
      return sync();
    };
    return fh;
  };
}

describe('DurableJsonFile reading', () => {
  it('starts from the previous copy when the file itself is gone, and says so', async () => {
    const warnings: string[] = [];
    const file = new DurableJsonFile<{ n: number }>(target, { warn: (m) => warnings.push(m) });
    await file.write({ n: 1 });
    await file.write({ n: 2 });
    await rm(target);
    expect(await file.read()).toEqual({ n: 1 });
    expect(warnings).toEqual([`${target} is missing; starting from the previous copy ${target}.prev`]);
  });

  it('has nothing, and says nothing, when neither exists', async () => {
    const warnings: string[] = [];
    expect(await new DurableJsonFile(target, { warn: (m) => warnings.push(m) }).read()).toBeNull();
    expect(warnings).toEqual([]);
  });

  it('refuses a file it cannot read (not a missing file), naming it', async () => {
    await mkdir(target);
    await rejection(new DurableJsonFile(target).read(), Error, new RegExp(`^${target}: EISDIR`), { code: 'EISDIR' });
  });

  it('names a damaged file moved aside by its time, and quotes what is wrong printably', async () => {
    const warnings: string[] = [];
    await writeFile(target, '{"n":\u0001}');
    expect(await new DurableJsonFile(target, { warn: (m) => warnings.push(m) }).read()).toBeNull();
    const aside = (await readdir(dir)).filter((f) => f !== 'state.json');
    expect(aside).toEqual([expect.stringMatching(/^state\.json\.corrupt-\d{4}-\d\d-\d\dT\d\d-\d\d-\d\d-\d{3}Z$/)]);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain(`${target} is damaged (not valid JSON: `);
    expect(warnings[0]).toContain('\\x01');
    expect(warnings[0]).not.toContain('\u0001');
    expect(warnings[0]).toContain(`moved it to ${path.join(dir, aside[0]!)} and started empty`);
  });
});

describe('printable', () => {
  it('shows control characters as \\xNN and line separators and broken characters as \\uNNNN, the rest as it is', () => {
    expect(printable('a\u0000b\u001f\u007f\u009f ok é \u2028\u2029\ufffd')).toBe('a\\x00b\\x1f\\x7f\\x9f ok é \\u2028\\u2029\\ufffd');
  });
});

describe('DurableJsonFile writing', () => {
  it('closes every file it opens and counts the bytes it wrote', async () => {
    const seam: Seam = { opened: 0, closed: 0 };
    const file = new DurableJsonFile<{ n: string }>(target, { openFile: seamOpen(seam) });
    await file.write({ n: 'ä' });
    await file.write({ n: 'bb' });
    expect(seam).toEqual({ opened: 4, closed: 4 });
    expect(file.bytesWritten).toBe(10 + 10); // {"n":"ä"} is 10 bytes in UTF-8
    seam.fileSync = 'EIO: i/o error, fsync';
    await rejection(file.write({ n: 'c' }), Error, /EIO: i\/o error, fsync/, { code: 'EIO' });
    expect(seam.closed).toBe(seam.opened);
  });

  it('puts the file a failed write concerns in front of an error that does not name it', async () => {
    const seam: Seam = { opened: 0, closed: 0, fileSync: 'EIO: i/o error, fsync' };
    const err = await new DurableJsonFile(target, { openFile: seamOpen(seam) }).write({}).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toBe(`${target}: EIO: i/o error, fsync`);
    const named: Seam = { opened: 0, closed: 0, fileSync: `EIO: i/o error, fsync ${target}.tmp` };
    const namedErr = await new DurableJsonFile(target, { openFile: seamOpen(named) }).write({}).catch((e: unknown) => e);
    expect((namedErr as Error).message).toBe(`EIO: i/o error, fsync ${target}.tmp`);
  });

  for (const code of ['EISDIR', 'EINVAL', 'EPERM']) {
    it(`writes on a file system whose folders refuse fsync with ${code}`, async () => {
      const file = new DurableJsonFile<{ n: number }>(target, { openFile: seamOpen({ opened: 0, closed: 0, folderSync: code }) });
      await file.write({ n: 1 });
      expect(await readFile(target, 'utf8')).toBe('{"n":1}');
    });
  }

  it('writes when the folder cannot even be opened for an fsync (EPERM)', async () => {
    const file = new DurableJsonFile<{ n: number }>(target, { openFile: seamOpen({ opened: 0, closed: 0, folderOpen: 'EPERM' }) });
    await file.write({ n: 1 });
    expect(await readFile(target, 'utf8')).toBe('{"n":1}');
  });

  it('fails a write whose folder fsync fails for real (EIO): the rename may not be on the card', async () => {
    const file = new DurableJsonFile<{ n: number }>(target, { openFile: seamOpen({ opened: 0, closed: 0, folderSync: 'EIO' }) });
    await rejection(file.write({ n: 1 }), Error, /EIO: fsync/, { code: 'EIO' });
  });
});

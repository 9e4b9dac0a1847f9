/**
 * What survives a power cut depends on fsync, which no crash of the process can show (the page
 * cache outlives a SIGKILL). So the store's files are opened through a seam here, and every fsync
 * is recorded with what the files hold at that moment: the data must be synced before it replaces
 * the old file, and the folder after a rename or a new file, or a power cut can lose both copies.
 */
import { open, readFile, rm, mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AppendFile } from '../../src/store/append-file.js';
import { DurableJsonFile, type OpenFile } from '../../src/store/durable-file.js';
import { rejection } from '../support/errors.js';

interface Synced {
  /** the file or folder name, relative to the test folder ('.' for the folder) */
  name: string;
  /** what `watched` held at the moment of the fsync (undefined: missing) */
  watched: string | undefined;
}

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'wmbus-fsync-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const textOf = (file: string): Promise<string | undefined> => readFile(file, 'utf8').catch(() => undefined);

/** An open() that records each fsync, with the content of `watched` at that moment; `failSync` makes fsyncs of that name fail. */
function recordingOpen(watched: string, synced: Synced[], failSync?: string): OpenFile {
  return async (file, flags, mode) => {
    const fh = await open(file, flags, mode);
    const sync = fh.sync.bind(fh);
    const name = path.relative(dir, file) || '.';
    fh.sync = async () => {
      synced.push({ name, watched: await textOf(watched) });
      if (name === failSync) throw Object.assign(new Error('EIO: i/o error, fsync'), { code: 'EIO' });
      return sync();
    };
    return fh;
  };
}

describe('DurableJsonFile fsyncs', () => {
  it('the temp file before it replaces the file, then the folder after the rename', async () => {
    const target = path.join(dir, 'state.json');
    const synced: Synced[] = [];
    const file = new DurableJsonFile<{ n: number }>(target, { openFile: recordingOpen(target, synced) });
    await file.write({ n: 1 });
    await file.write({ n: 2 });
    expect(synced).toEqual([
      { name: 'state.json.tmp', watched: undefined },
      { name: '.', watched: '{"n":1}' },
      { name: 'state.json.tmp', watched: '{"n":1}' },
      { name: '.', watched: '{"n":2}' },
    ]);
  });

  it('syncs the new content itself (the temp file holds it whole at the fsync)', async () => {
    const target = path.join(dir, 'state.json');
    const synced: Synced[] = [];
    const file = new DurableJsonFile<{ n: number }>(target, { openFile: recordingOpen(`${target}.tmp`, synced) });
    await file.write({ n: 7 });
    expect(synced[0]).toEqual({ name: 'state.json.tmp', watched: '{"n":7}' });
  });

  it('leaves the file as it was when the fsync fails, and says so', async () => {
    const target = path.join(dir, 'state.json');
    const synced: Synced[] = [];
    const file = new DurableJsonFile<{ n: number }>(target, { openFile: recordingOpen(target, synced, 'state.json.tmp') });
    await writeFile(target, '{"n":1}');
    await rejection(file.write({ n: 2 }), Error, /EIO: i\/o error, fsync/, { code: 'EIO' });
    expect(await textOf(target)).toBe('{"n":1}');
    expect(file.bytesWritten).toBe(0);
  });
});

describe('AppendFile fsyncs', () => {
  it('each append before it returns, and the folder of a new file once', async () => {
    const target = path.join(dir, 'journal.jsonl');
    const synced: Synced[] = [];
    const file = new AppendFile(target, () => {}, recordingOpen(target, synced));
    await file.load();
    await file.append([{ a: 1 }]);
    await file.append([{ a: 2 }, { a: 3 }]);
    expect(synced).toEqual([
      { name: 'journal.jsonl', watched: '{"a":1}\n' },
      { name: '.', watched: '{"a":1}\n' },
      { name: 'journal.jsonl', watched: '{"a":1}\n{"a":2}\n{"a":3}\n' },
    ]);
  });

  it('does not fsync the folder again for a file that already has lines', async () => {
    const target = path.join(dir, 'journal.jsonl');
    await writeFile(target, '{"a":1}\n');
    const synced: Synced[] = [];
    const file = new AppendFile(target, () => {}, recordingOpen(target, synced));
    await file.load();
    await file.append([{ a: 2 }]);
    expect(synced).toEqual([{ name: 'journal.jsonl', watched: '{"a":1}\n{"a":2}\n' }]);
  });

  it('cuts the file back to where it was when the fsync fails', async () => {
    const target = path.join(dir, 'journal.jsonl');
    await writeFile(target, '{"a":1}\n');
    const synced: Synced[] = [];
    const file = new AppendFile(target, () => {}, recordingOpen(target, synced, 'journal.jsonl'));
    await file.load();
    await rejection(file.append([{ a: 2 }]), Error, /EIO: i\/o error, fsync/, { code: 'EIO' });
    expect(await textOf(target)).toBe('{"a":1}\n');
    expect(file.size).toBe(8);
    expect(file.bytesWritten).toBe(0);
  });
});

/**
 * `npm run bench [-- NAME ...]`: runs every bench/*.bench.ts (or the named ones) and rewrites
 * their sections of BENCHMARKS.md, keeping the sections of benchmarks that were not run.
 * A bench module exports `title` and `run(options): Promise<string>` returning its Markdown body;
 * words after the names that start with `--` (and their values) are its options. A module may export
 * `section(options)` naming a section of its own for a run with those options (a long run kept beside
 * the usual one).
 * The npm script compiles with tsc (tsconfig.bench.json) and runs this file's compiled form, so
 * the figures are those of the JavaScript production runs, not of a load-time transform.
 */
import { readFile, readdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { repoRoot } from './paths.js';

interface BenchModule {
  title: string;
  run: (options: string[]) => Promise<string>;
  section?: (options: string[]) => { name: string; title: string } | undefined;
}

const here = path.dirname(fileURLToPath(import.meta.url));
const compiled = !import.meta.url.endsWith('.ts');
const sourceDir = path.join(repoRoot, 'bench');
const outFile = path.join(repoRoot, 'BENCHMARKS.md');
const begin = (name: string) => `<!-- bench:${name} -->`;
const end = (name: string) => `<!-- /bench:${name} -->`;

function machine(): string {
  const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
  return `${cpu}, ${os.cpus().length} cores, ${Math.round(os.totalmem() / 2 ** 30)} GiB, ${os.platform()} ${os.arch()}, Node ${process.version}`;
}

/** Times depend on what else the machine does; each section says how busy it was when measured. */
function load(): string {
  return `1-minute load average ${os.loadavg()[0]!.toFixed(1)} at the end`;
}

async function existingSections(): Promise<Map<string, string>> {
  const sections = new Map<string, string>();
  const text = await readFile(outFile, 'utf8').catch(() => '');
  for (const m of text.matchAll(/<!-- bench:([\w-]+) -->\n([\s\S]*?)<!-- \/bench:\1 -->/g)) sections.set(m[1]!, m[2]!);
  return sections;
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const firstOption = args.findIndex((a) => a.startsWith('--'));
  const wanted = firstOption < 0 ? args : args.slice(0, firstOption);
  const options = firstOption < 0 ? [] : args.slice(firstOption);
  // Names come from the sources: a compiled module whose source is gone is stale, not a benchmark.
  const names = (await readdir(sourceDir))
    .filter((f) => f.endsWith('.bench.ts'))
    .map((f) => f.slice(0, -'.bench.ts'.length))
    .filter((n) => wanted.length === 0 || wanted.includes(n))
    .sort();
  if (names.length === 0) throw new Error(`no benchmark matches ${wanted.join(', ')}`);
  const sections = await existingSections();
  const date = new Date().toISOString().slice(0, 10);
  for (const name of names) {
    process.stderr.write(`bench: ${name} ...\n`);
    const mod = (await import(path.join(here, `${name}.bench.${compiled ? 'js' : 'ts'}`))) as BenchModule;
    const own = mod.section?.(options);
    const title = own?.title ?? mod.title;
    const body = await mod.run(options);
    sections.set(own?.name ?? name, `## ${title}\n\n_${date}, ${machine()}; ${load()}_\n\n${body.trim()}\n\n`);
    process.stdout.write(`\n## ${title}\n\n${body.trim()}\n`);
  }
  const parts = [...sections.keys()].sort().map((n) => `${begin(n)}\n${sections.get(n)}${end(n)}`);
  const header =
    '# Benchmarks\n\nWritten by `npm run bench` (one section per `bench/*.bench.ts`; `npm run bench -- NAME` reruns one).\n' +
    'Each section names the machine and date it was measured on.\n\n';
  await writeFile(outFile, header + parts.join('\n\n') + '\n');
}

await main();

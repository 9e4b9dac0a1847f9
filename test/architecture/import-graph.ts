/**
 * The import graph of the code that ships: every static import, re-export and literal dynamic
 * import() in src/ and drivers/, read with the TypeScript scanner (ts.preProcessFile, no type
 * check) and resolved to repository files. Package and node: imports are not edges; a relative
 * specifier that names no file is reported, so a typo cannot hide an edge.
 */
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';

/** One import: `from` (file, 1-based line) imports `to`; paths relative to the repository, with '/'. */
export interface ImportEdge {
  from: string;
  line: number;
  to: string;
}

export interface ImportGraph {
  /** every .ts file read */
  files: string[];
  edges: ImportEdge[];
  /** relative specifiers that resolve to no file: "file:line specifier" */
  unresolved: string[];
}

export function readImportGraph(root: string, folders: readonly string[]): ImportGraph {
  const files = folders.flatMap((f) => listTs(root, f)).sort();
  const edges: ImportEdge[] = [];
  const unresolved: string[] = [];
  for (const file of files) {
    const text = readFileSync(path.join(root, file), 'utf8');
    const { importedFiles } = ts.preProcessFile(text, true, true);
    for (const ref of importedFiles) {
      if (!ref.fileName.startsWith('.')) continue;
      const line = lineOf(text, ref.pos);
      const to = resolveSpecifier(root, file, ref.fileName);
      if (to === undefined) unresolved.push(`${file}:${line} ${ref.fileName}`);
      else edges.push({ from: file, line, to });
    }
  }
  return { files, edges, unresolved };
}

/**
 * NodeNext resolution of a relative specifier as this code base writes it: './x.js' names x.ts,
 * a folder names its index.ts; other files (JSON) are taken as they are.
 */
export function resolveSpecifier(root: string, fromFile: string, specifier: string): string | undefined {
  const base = path.posix.normalize(path.posix.join(path.posix.dirname(fromFile), specifier));
  const candidates = [base.replace(/\.js$/, '.ts'), base.replace(/\.mjs$/, '.mts'), base, `${base}.ts`, `${base}/index.ts`];
  return candidates.find((c) => existsSync(path.join(root, c)) && statSync(path.join(root, c)).isFile());
}

function listTs(root: string, folder: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(path.join(root, folder), { withFileTypes: true })) {
    const rel = `${folder}/${entry.name}`;
    if (entry.isDirectory()) out.push(...listTs(root, rel));
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts')) out.push(rel);
  }
  return out;
}

function lineOf(text: string, pos: number): number {
  let line = 1;
  for (let i = 0; i < pos; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}

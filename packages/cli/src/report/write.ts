// Writes the report folder without ever leaving a half-written one: everything goes into a
// sibling temp folder first, which then replaces the previous report in two renames. A run that
// dies before the swap leaves the previous report intact.
import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { toJson } from '../format.ts';
import type { VerifyResults } from '../results.ts';
import { junitXml } from './junit.ts';
import { renderReport } from './page.ts';

export interface ReportFiles {
  dir: string;
  html: string;
  junit: string;
  results: string;
}

/** Writes `index.html`, `junit.xml` and `results.json` into `dir`, replacing it whole. */
export function writeReport(results: VerifyResults, dir: string): ReportFiles {
  const parent = dirname(dir);
  mkdirSync(parent, { recursive: true });
  const tmp = join(parent, `.${basename(dir)}.tmp-${process.pid}`);
  const old = join(parent, `.${basename(dir)}.old-${process.pid}`);
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp);
  try {
    writeFileSync(join(tmp, 'index.html'), renderReport(results));
    writeFileSync(join(tmp, 'junit.xml'), junitXml(results));
    writeFileSync(join(tmp, 'results.json'), toJson(results));
  } catch (err) {
    rmSync(tmp, { recursive: true, force: true });
    throw err;
  }
  if (existsSync(dir)) renameSync(dir, old);
  renameSync(tmp, dir);
  rmSync(old, { recursive: true, force: true });
  return {
    dir,
    html: join(dir, 'index.html'),
    junit: join(dir, 'junit.xml'),
    results: join(dir, 'results.json'),
  };
}

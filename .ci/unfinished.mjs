// Reads the test progress log (test/reporters/progress-log.ts) and prints each file that started and
// did not end, with the last test it started: where a run that never ended was stuck.
import { readFileSync } from 'node:fs';

const open = new Map();
for (const line of readFileSync(process.argv[2], 'utf8').split('\n')) {
  const [, kind, rest] = line.match(/^\S+ (start|test|end) (.*)$/) ?? [];
  if (!kind) continue;
  const file = kind === 'test' ? rest.split(' > ')[0] : rest.split(' ')[0];
  if (kind === 'start') open.set(file, `${line.slice(0, 24)} started`);
  else if (kind === 'test') open.set(file, `${line.slice(0, 24)} in: ${rest.slice(file.length + 3)}`);
  else open.delete(file);
}
if (open.size === 0) console.log('  none: every file ended, the run hung after them');
for (const [file, last] of open) console.log(`  ${file} (${last})`);

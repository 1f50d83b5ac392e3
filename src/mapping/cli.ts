// What `pos-bridge mappings check|preview` do; the CLI wiring prints and sets exit codes.
import { readFile, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { BridgeError, MalformedAppealError } from '../errors.js';
import { appealSchema } from '../pos/schemas.js';
import { compileMapping } from './compile.js';
import type { MappingProblem, MappingResult } from './types.js';
import { issueLines } from '../zod-issues.js';

export const MAPPING_FILE = /\.ya?ml$/i;

/** `file:line:col message`, the form editors and CI annotate. */
export function formatProblem(problem: MappingProblem): string {
  return `${problem.file}:${problem.line}:${problem.column} ${problem.message}`;
}

function unreadable(file: string, error: unknown): MappingProblem {
  const reason = (error as NodeJS.ErrnoException).code ?? (error instanceof Error ? error.message : String(error));
  return { file, line: 1, column: 1, message: `cannot read: ${reason}` };
}

/** Checks one mapping file, or every *.yaml / *.yml file in a directory. */
export async function checkMappings(pathOrDir: string): Promise<{ files: string[]; problems: MappingProblem[] }> {
  let files: string[];
  try {
    const info = await stat(pathOrDir);
    files = info.isDirectory()
      ? (await readdir(pathOrDir))
          .filter((name) => MAPPING_FILE.test(name))
          .sort()
          .map((name) => join(pathOrDir, name))
      : [pathOrDir];
  } catch (error) {
    return { files: [], problems: [unreadable(pathOrDir, error)] };
  }
  if (files.length === 0) return { files, problems: [{ file: pathOrDir, line: 1, column: 1, message: 'no mapping files (*.yaml) here' }] };
  const problems: MappingProblem[] = [];
  for (const file of files) {
    try {
      problems.push(...compileMapping(await readFile(file, 'utf8'), file).problems);
    } catch (error) {
      problems.push(unreadable(file, error));
    }
  }
  return { files, problems };
}

/** The record a mapping makes of one appeal (JSON file), with its warnings; coded errors otherwise. */
export async function previewMapping(mappingPath: string, appealPath: string): Promise<MappingResult> {
  const { mapping, problems } = compileMapping(await readFile(mappingPath, 'utf8'), mappingPath);
  if (!mapping) {
    throw new BridgeError('MAPPING_INVALID', `mapping ${mappingPath} is invalid:\n${problems.map(formatProblem).join('\n')}`, {
      details: { problems },
    });
  }
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(appealPath, 'utf8'));
  } catch (error) {
    throw new MalformedAppealError(`${appealPath} is not a JSON file`, [error instanceof Error ? error.message : String(error)]);
  }
  const parsed = appealSchema.safeParse(raw);
  if (!parsed.success) {
    const issues = issueLines(parsed.error, '(appeal)');
    throw new MalformedAppealError(`${appealPath} is not a valid ПОС appeal: ${issues.join('; ')}`, issues);
  }
  return mapping.map(parsed.data);
}

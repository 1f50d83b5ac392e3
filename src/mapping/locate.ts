// Turning "somewhere in the mapping" into file:line:col: YAML nodes by path, keys by name, and
// character offsets inside an expression scalar (which YAML may have folded, quoted or indented).
import { LineCounter, isMap, isNode, isScalar, parseDocument, type Document } from 'yaml';
import type { MappingProblem } from './types.js';

export type PathSegment = string | number;

export class LocatedSource {
  readonly lineCounter = new LineCounter();
  readonly doc: Document;

  constructor(
    readonly source: string,
    readonly file: string,
  ) {
    this.doc = parseDocument(source, { lineCounter: this.lineCounter, prettyErrors: true, uniqueKeys: true });
  }

  problemAtOffset(offset: number, message: string): MappingProblem {
    const { line, col } = this.lineCounter.linePos(Math.max(0, Math.min(offset, this.source.length)));
    return { file: this.file, line, column: col, message };
  }

  /** Problems YAML itself found (syntax, indentation, duplicate keys). */
  syntaxProblems(): MappingProblem[] {
    return [...this.doc.errors, ...this.doc.warnings].map((error) => {
      const firstLine = error.message.split('\n')[0] ?? error.message;
      const message = firstLine.replace(/ at line \d+, column \d+:?$/, '');
      return this.problemAtOffset(error.pos[0], `YAML: ${message}`);
    });
  }

  /** Offset of the deepest existing node along `path` (the whole document when none exists). */
  offsetOf(path: readonly PathSegment[]): number {
    for (let depth = path.length; depth >= 0; depth--) {
      const node = depth === 0 ? this.doc.contents : this.doc.getIn(path.slice(0, depth), true);
      if (isNode(node) && node.range) return node.range[0];
    }
    return 0;
  }

  /** Offset of the key `key` in the map at `path`, else of the map itself. */
  keyOffset(path: readonly PathSegment[], key: string): number {
    const map = path.length === 0 ? this.doc.contents : this.doc.getIn(path, true);
    if (isMap(map)) {
      for (const pair of map.items) {
        if (isScalar(pair.key) && String(pair.key.value) === key && pair.key.range) return pair.key.range[0];
      }
    }
    return this.offsetOf(path);
  }

  /** Offset of the value under key `key` (compared as text, so numeric YAML keys match) in the map at `path`. */
  entryValueOffset(path: readonly PathSegment[], key: string): number {
    const map = this.doc.getIn(path, true);
    if (isMap(map)) {
      for (const pair of map.items) {
        if (isScalar(pair.key) && String(pair.key.value) === key) {
          if (isNode(pair.value) && pair.value.range) return pair.value.range[0];
          if (pair.key.range) return pair.key.range[0];
        }
      }
    }
    return this.offsetOf(path);
  }

  /** Key nodes of the map at `path`: raw value and offset, for checks YAML's JS form loses (key types). */
  keysOf(path: readonly PathSegment[]): { value: unknown; offset: number }[] {
    const map = this.doc.getIn(path, true);
    if (!isMap(map)) return [];
    return map.items.flatMap((pair) =>
      isScalar(pair.key) && pair.key.range ? [{ value: pair.key.value, offset: pair.key.range[0] }] : [],
    );
  }

  /**
   * Source offset of character `index` of the scalar value at `path`. YAML may have stripped
   * indentation, folded lines or unescaped quotes, but the value's non-blank characters appear in
   * the source in the same order, so walking both texts side by side finds the spot.
   */
  offsetInScalar(path: readonly PathSegment[], index: number): number {
    const node = this.doc.getIn(path, true);
    if (!isScalar(node) || !node.range || typeof node.value !== 'string') return this.offsetOf(path);
    const value = node.value;
    const end = node.range[1];
    let at = node.range[0];
    const head = this.source[at];
    if (head === '"' || head === "'") at++;
    else if (head === '|' || head === '>') {
      const lineEnd = this.source.indexOf('\n', at);
      at = lineEnd === -1 ? end : lineEnd + 1;
    }
    const target = Math.min(index, value.length - 1);
    for (let i = 0; i <= target; i++) {
      const char = value[i] as string;
      if (/\s/.test(char)) continue;
      let found = at;
      while (found < end && this.source[found] !== char) found++;
      if (found >= end) return at;
      if (i === target) return found;
      at = found + 1;
    }
    // The target is blank (or past the end): point at the next non-blank source character.
    while (at < end && /\s/.test(this.source[at] ?? '')) at++;
    return at;
  }
}

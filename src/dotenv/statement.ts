// The result of a dialect parser: every assignment with its place in the text, and the effective map.

/** One assignment (`KEY=value`) or, in phpdotenv 5, one bare `KEY` line, which unsets the variable. */
export interface Statement {
  kind: 'assign' | 'unset';
  key: string;
  /** Resolved value; empty for `unset`. */
  value: string;
  /** 1-based line where the statement starts. */
  line: number;
  /** Text offsets (into the decoded text) of the statement's first character and the end of its last line. */
  start: number;
  end: number;
  /** Text offsets of the value as written, quotes included and a trailing comment excluded. */
  valueStart: number;
  valueEnd: number;
  quote: 'none' | 'single' | 'double';
  exported: boolean;
}

export interface ParseResult {
  statements: Statement[];
  /** Effective key → value map, in order of first appearance. */
  values: Map<string, string>;
  /** Index into `statements` of the line that decides each key's value in this dialect. */
  effective: Map<string, number>;
  /** phpdotenv 5: line of a double-quoted value that is never closed; that line and all after it are ignored. */
  unterminatedLine?: number;
}

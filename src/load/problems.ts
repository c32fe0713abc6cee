/**
 * Problems in user input, and the error that carries them to the command line.
 */

/** One thing wrong in an input file: where it is, which key, what is wrong and what is allowed. */
export class Problem {
  constructor(
    /** The file to edit. */
    readonly file: string,
    /** 1-based line, when known. */
    readonly line: number | undefined,
    /** The key path in the file, dotted (`daemons.daemonint.reaperCount`); empty for the whole file. */
    readonly path: string,
    /** What is wrong, what was received and what is allowed; lowercase, no trailing period. */
    readonly message: string,
  ) {}

  /** `file:line  key.path: message`. */
  format(): string {
    const where = this.line === undefined ? this.file : `${this.file}:${this.line}`;
    return this.path === '' ? `${where}  ${this.message}` : `${where}  ${this.path}: ${this.message}`;
  }
}

/** Invalid user input: the command prints the problems and exits 1, with no stack trace. */
export class UserError extends Error {
  constructor(
    readonly heading: string,
    readonly problems: readonly Problem[] = [],
  ) {
    super(problems.length === 0 ? heading : `${heading}\n${problems.map((p) => `  ${p.format()}`).join('\n')}`);
    this.name = 'UserError';
  }
}

/** Wrong use of the command line: the command prints the usage and exits 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** Problems sorted by file, line and path, so the output is stable. */
export function sortProblems(problems: readonly Problem[]): Problem[] {
  return [...problems].sort(
    (a, b) =>
      a.file.localeCompare(b.file, 'en') ||
      (a.line ?? 0) - (b.line ?? 0) ||
      a.path.localeCompare(b.path, 'en') ||
      a.message.localeCompare(b.message, 'en'),
  );
}

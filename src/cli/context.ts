/**
 * What a command gets from the command line (`main.ts`). A module of its own so that the command files, which
 * `main.ts` loads on demand, do not import `main.ts` back.
 */
export interface CommandContext {
  readonly args: readonly string[];
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
}

/** Where a command prints: its report on stdout, notes and warnings on stderr. */
export type Output = Pick<CommandContext, 'stdout' | 'stderr'>;

/**
 * The error the plan stage raises for values that are valid one by one but not together (two mounts on one path, an
 * env var set twice, a metrics port the container does not open): the key path in the environment and the message.
 * `planEnvironment` turns it into a problem at the file and line of that key.
 */
export class ValuesError extends Error {
  constructor(
    /** The key path in the environment (`daemons.daemonint.reaper.secretMounts`). */
    readonly path: readonly (string | number)[],
    message: string,
  ) {
    super(message);
    this.name = 'ValuesError';
  }
}

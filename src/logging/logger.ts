// What the job pipeline needs of a logger: pino's call shape (Fastify's
// `app.log` is one), so the server's own logger can be passed in as it is.
export interface Logger {
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
  error(fields: object, message: string): void;
}

/**
 * A logger whose target is set once the HTTP server (and its logger) exists:
 * the job pipeline is built before it. Until then lines go to stderr.
 */
export class DeferredLogger implements Logger {
  private target: Logger | null = null;

  use(target: Logger): void {
    this.target = target;
  }

  readonly info = (fields: object, message: string) => this.write('info', fields, message);
  readonly warn = (fields: object, message: string) => this.write('warn', fields, message);
  readonly error = (fields: object, message: string) => this.write('error', fields, message);

  private write(level: keyof Logger, fields: object, message: string): void {
    if (this.target) this.target[level](fields, message);
    else console.error(`[${level}] ${message}`, fields);
  }
}

/** Structured JSON logs, one object per line on stderr. */
export type Level = 'debug' | 'info' | 'warn' | 'error';
const RANK: Record<Level, number> = { debug: 0, info: 1, warn: 2, error: 3 };

export class Logger {
  constructor(private readonly level: Level = 'info', private readonly fields: Record<string, unknown> = {},
    private readonly write: (line: string) => void = (l) => process.stderr.write(`${l}\n`)) {}

  with(fields: Record<string, unknown>): Logger {
    return new Logger(this.level, { ...this.fields, ...fields }, this.write);
  }

  log(level: Level, msg: string, fields: Record<string, unknown> = {}): void {
    if (RANK[level] < RANK[this.level]) return;
    const err = fields.error instanceof Error ? { error: fields.error.message } : {};
    this.write(JSON.stringify({ time: new Date().toISOString(), level, msg, ...this.fields, ...fields, ...err }));
  }

  debug(msg: string, f?: Record<string, unknown>): void { this.log('debug', msg, f); }
  info(msg: string, f?: Record<string, unknown>): void { this.log('info', msg, f); }
  warn(msg: string, f?: Record<string, unknown>): void { this.log('warn', msg, f); }
  error(msg: string, f?: Record<string, unknown>): void { this.log('error', msg, f); }
}

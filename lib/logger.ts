import pino from 'pino';

/** One structured logger for every process; LOG_LEVEL is validated by each process's config before use. */
export function createLogger(name: string, level = 'info'): pino.Logger {
  return pino({ name, level, base: undefined, timestamp: pino.stdTimeFunctions.isoTime });
}

export type Logger = pino.Logger;

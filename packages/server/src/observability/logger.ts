import winston from 'winston';

/** One JSON object per line on stdout, the shape log shippers expect. */
export function createLogger(options: { level: string; silent?: boolean }): winston.Logger {
  return winston.createLogger({
    level: options.level,
    silent: options.silent ?? false,
    format: winston.format.combine(winston.format.timestamp(), winston.format.errors({ stack: true }), winston.format.json()),
    defaultMeta: { service: 'cortex' },
    transports: [new winston.transports.Console()],
  });
}

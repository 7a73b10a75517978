/** pino's level numbers by name, as the origin writes them. */
const LEVELS: Readonly<Record<number, string>> = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO', 40: 'WARN', 50: 'ERROR', 60: 'FATAL' };

/** One pino JSON line as `LEVEL msg {fields}` (fields in the order written), so tests can match a line by eye; other lines unchanged. */
export function readableLine(line: string): string {
  if (!line.startsWith('{')) return line;
  let entry: Record<string, unknown>;
  try {
    entry = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return line;
  }
  const { level, time: _time, pid: _pid, hostname: _hostname, msg, ...fields } = entry;
  const tail = Object.keys(fields).length > 0 ? ` ${JSON.stringify(fields)}` : '';
  return `${LEVELS[level as number] ?? String(level)} ${String(msg)}${tail}`;
}

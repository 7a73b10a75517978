import type { Config } from '../config.ts';

/** The OBS "Server" field: `rtmp://HOST/cfx/st`, with a port only when 1935 is not an RTMP port. */
export function obsServerUrl(config: Pick<Config, 'publicUrl' | 'rtmpPorts'>): string {
  const host = new URL(config.publicUrl).hostname;
  const port = config.rtmpPorts.includes(1935) ? '' : `:${config.rtmpPorts[0]}`;
  return `rtmp://${host}${port}/cfx/st`;
}

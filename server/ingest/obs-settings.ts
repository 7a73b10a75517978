import type { Config } from '../config.ts';

type Ports = Pick<Config, 'ingestHost' | 'rtmpPorts' | 'rtmpsPorts' | 'httpPort'>;

/** The OBS "Server" field: `rtmp://HOST/cfx/st`, with a port only when 1935 is not an RTMP port. */
export function obsServerUrl(config: Ports): string {
  const host = config.ingestHost;
  const port = config.rtmpPorts.includes(1935) ? '' : `:${config.rtmpPorts[0]}`;
  return `rtmp://${host}${port}/cfx/st`;
}

/** The RTMPS "Server" field (`rtmps://HOST/cfx/st`, a port only when 443 is not an RTMPS port), when a certificate is configured. */
export function obsRtmpsUrl(config: Ports): string | undefined {
  if (config.rtmpsPorts.length === 0) return undefined;
  const host = config.ingestHost;
  const port = config.rtmpsPorts.includes(443) ? '' : `:${config.rtmpsPorts[0]}`;
  return `rtmps://${host}${port}/cfx/st`;
}

/** RTMP tunnelled over HTTP on the HTTP port, for encoders behind proxies that pass only HTTP (ffmpeg `rtmpt://`; OBS has no RTMPT). */
export function rtmptUrl(config: Ports): string {
  const host = config.ingestHost;
  return `rtmpt://${host}${config.httpPort === 80 ? '' : `:${config.httpPort}`}/cfx/st`;
}

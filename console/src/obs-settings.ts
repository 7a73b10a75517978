import { copyField } from './dom.ts';
import { el } from './format.ts';
import type { Obs } from './types.ts';

/** A channel's OBS settings (Settings → Stream, service Custom), each with a Copy button; `show` updates them. */
export function createObsSettings(): { node: HTMLElement; show(obs: Obs): void } {
  const server = copyField('Server', 'server');
  const key = copyField('Stream key', 'streamKey');
  const rtmps = copyField('Server, encrypted (RTMPS)', 'rtmpsServer');
  const rtmpt = copyField('Server over HTTP (RTMPT, not OBS)', 'rtmptServer');
  key.input.classList.add('secret');
  const node = el('fieldset', { class: 'obs' }, el('legend', {}, 'OBS: Settings → Stream → Custom'), server.node, key.node, rtmps.node, rtmpt.node);
  return {
    node,
    show(obs) {
      server.input.value = obs.server;
      key.input.value = obs.streamKey;
      rtmps.input.value = obs.rtmpsServer ?? '';
      rtmps.node.hidden = obs.rtmpsServer === undefined;
      rtmpt.input.value = obs.rtmptServer;
    },
  };
}

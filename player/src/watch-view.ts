import { fetchCatalog, fetchCatalogInfo, fetchPlayback, NetworkError, startCheckout, type Item } from './api.ts';
import { createPairButton, createSignInForms } from './devices-view.ts';
import { el, formatDuration, formatHours, formatPrice, formatRemaining } from './format.ts';
import { createDvrBar } from './dvr-bar.ts';
import { createPlayerLink } from './player-link.ts';
import { browserSupport, startPlayback, type PlayerEvents, type PlayerSession } from './player.ts';
import { startTimeShift, type TimeShiftSession } from './time-shift.ts';
import { measuredDelay } from './latency.ts';

/** The watch page of one item: buy panel, player, quality menu, live state and time-shift, and every error said in words. */
export async function renderWatch(root: HTMLElement, itemId: string, pageStart: number): Promise<void> {
  const status = el('p', { id: 'status', role: 'status', 'aria-live': 'polite' });
  const video = el('video', { id: 'video', controls: '', playsinline: '' });
  const quality = el('select', { id: 'quality', 'aria-label': 'Quality' });
  const latency = el('span', { id: 'latency' });
  const jump = el('button', { id: 'jump-live', type: 'button', hidden: '' }, 'Jump to live');
  const dvr = createDvrBar((behind) => shifted?.seekBehind(behind));
  const say = (text: string | undefined, kind: 'info' | 'error' = 'info'): void => {
    status.textContent = text ?? '';
    status.className = kind;
  };
  const controls = el('div', { class: 'controls', hidden: '' }, dvr.element, el('label', {}, 'Quality ', quality), latency, jump, createPlayerLink(itemId, say), createPairButton(say));
  const panel = el('div', { id: 'panel' });
  const title = el('h1', {}, 'Loading…');
  const meta = el('p', { class: 'meta' });
  root.replaceChildren(el('a', { href: '/', class: 'back' }, '← All videos and channels'), title, meta, el('div', { class: 'stage' }, video, panel), controls, status);

  let item: Item | undefined;
  let session: PlayerSession | undefined;
  let shifted: TimeShiftSession | undefined; // the same session, when live
  let refreshedAfterDenial = false;
  let emailLinks = false;
  let timers: number[] = [];
  const stop = (): void => {
    session?.destroy();
    session = shifted = undefined;
    dvr.hide();
    timers.forEach((t) => clearInterval(t));
    timers = [];
    controls.hidden = true;
  };
  const showPanel = (...children: Array<Node | string>): void => {
    panel.replaceChildren(...children);
    panel.hidden = children.length === 0;
    video.hidden = children.length > 0;
  };

  const buyPanel = (heading: string, accessHours: number): void => {
    stop();
    const button = el('button', { id: 'buy', type: 'button', class: 'primary' }, `Buy for ${formatPrice(item!.priceCents, item!.currency)}`);
    button.addEventListener('click', async () => {
      button.disabled = true;
      say('Starting checkout…');
      try {
        location.assign(await startCheckout(item!.id));
      } catch (e) {
        button.disabled = false;
        say(`Checkout could not start: ${(e as Error).message}`, 'error');
      }
    });
    showPanel(el('div', { class: 'buy', id: 'buy-panel' }, el('h2', {}, heading), el('p', {}, `${formatHours(accessHours)} of access to “${item!.title}” from the moment you pay, on this browser, your other devices (by a code or an emailed link) and in VLC or any other player.`), button, createSignInForms(emailLinks, say, () => location.reload())));
    say(undefined);
  };

  const offline = (): void => {
    stop();
    showPanel(el('div', { class: 'offline', id: 'offline' }, el('h2', {}, 'This channel is off air'), el('p', {}, 'Playback starts by itself when it comes on air.')));
    const poll = window.setInterval(async () => {
      const fresh = (await fetchCatalog().catch(() => [])).find((i) => i.id === itemId);
      if (fresh?.online) {
        clearInterval(poll);
        item = fresh;
        void begin();
      }
    }, 3000);
    timers.push(poll);
  };

  const play = (url: string, dvrUrl?: string): void => {
    stop();
    showPanel();
    if (browserSupport(video) === 'none') {
      showPanel(el('div', { class: 'unsupported' }, el('h2', {}, 'This browser cannot play the stream'), el('p', {}, 'Use a current Chrome, Edge, Firefox or Safari.')));
      return;
    }
    const live = item!.kind === 'live';
    const events: PlayerEvents = {
      accessDenied: () => void onDenied(),
      trouble: (message) => say(message, 'error'),
      qualities(list) {
        const chosen = quality.value; // a time-shift source switch lists the rungs again
        quality.replaceChildren(el('option', { value: '-1' }, 'Auto'), ...list.map((q) => el('option', { value: String(q.index) }, q.label)));
        if (list.some((q) => String(q.index) === chosen)) quality.value = chosen;
        controls.hidden = list.length === 0 && !live;
      },
      levelChanged(index, auto) {
        const chosen = quality.options[index + 1]?.textContent ?? '';
        quality.options[0]!.textContent = auto ? `Auto (${chosen})` : 'Auto';
        quality.dataset.level = String(index);
      },
      ended: () => (live ? offline() : say('The end.')),
    };
    shifted = live ? startTimeShift(video, { url, dvrUrl }, events) : undefined;
    session = shifted ?? startPlayback(video, url, events);
    jump.hidden = !live;
    if (live) {
      timers.push(window.setInterval(() => {
        const behind = session?.latency();
        const shift = shifted?.state();
        const back = shift !== undefined && !shift.atLive;
        const delay = measuredDelay(session?.playingDate());
        const lowLatency = session?.lowLatency() === true;
        latency.textContent = behind === undefined ? 'LIVE' : back ? `${behind.toFixed(1)} s behind live` : `LIVE${lowLatency ? ' · low latency' : ''} · ${(delay ?? behind).toFixed(1)} s`;
        latency.title = delay === undefined ? 'seconds behind the live edge' : 'seconds from the origin receiving the picture to your screen';
        latency.dataset.seconds = behind === undefined ? '' : behind.toFixed(2);
        latency.dataset.delay = delay === undefined ? '' : delay.toFixed(2);
        latency.dataset.lowLatency = String(lowLatency);
        // the playing position's wall-clock date (PROGRAM-DATE-TIME), for tests and the curious
        latency.dataset.programDate = String(session?.playingDate()?.getTime() ?? '');
        dvr.update(shift);
      }, 1000));
    }
    video.addEventListener('playing', () => {
      if (!document.body.dataset.ttffMs) {
        const ttff = Math.round(performance.now() - pageStart);
        document.body.dataset.ttffMs = String(ttff);
        console.info(`time to first frame: ${ttff} ms`);
      }
      say(undefined);
    }, { once: true });
    video.play().catch(() => {
      // autoplay with sound is blocked until the viewer interacts: start muted and say so
      video.muted = true;
      void video.play().then(() => say('Playing muted: use the volume control to unmute.'));
    });
  };

  const onDenied = async (): Promise<void> => {
    if (!refreshedAfterDenial) {
      refreshedAfterDenial = true; // the URL may simply have expired: fetch a new one, once
      const resume = video.currentTime;
      const pb = await fetchPlayback(itemId).catch(() => undefined);
      if (pb?.kind === 'ok') {
        play(pb.llUrl ?? pb.url, pb.dvrUrl);
        if (item?.kind === 'vod') video.addEventListener('loadedmetadata', () => (video.currentTime = resume), { once: true });
        return;
      }
    }
    const again = await fetchPlayback(itemId).catch(() => undefined);
    buyPanel('Your access has ended', again?.kind === 'payment_required' ? again.accessHours : 24);
    document.body.dataset.state = 'expired';
    meta.textContent = `${item?.kind === 'live' ? 'Live channel' : formatDuration(item?.durationSec ?? 0)} · your access has ended`;
    say(`Your access to this ${item?.kind === 'live' ? 'channel' : 'video'} has expired. Buy again to keep watching.`, 'error');
  };

  const begin = async (): Promise<void> => {
    try {
      const pb = await fetchPlayback(itemId);
      if (pb.kind === 'unknown') return void say('There is no such video or channel.', 'error');
      if (pb.kind === 'payment_required') return buyPanel('Buy access', pb.accessHours);
      if (item!.kind === 'live' && !item!.online) return offline();
      refreshedAfterDenial = false;
      play(pb.llUrl ?? pb.url, pb.dvrUrl); // LL-HLS where the origin offers it
    } catch (e) {
      say(e instanceof NetworkError ? 'Network trouble: retrying…' : `Something went wrong: ${(e as Error).message}`, 'error');
      if (e instanceof NetworkError) timers.push(window.setTimeout(() => void begin(), 3000));
    }
  };

  quality.addEventListener('change', () => session?.setQuality(Number(quality.value)));
  jump.addEventListener('click', () => session?.jumpToLive());
  try {
    const info = await fetchCatalogInfo();
    item = info.items.find((i) => i.id === itemId);
    emailLinks = info.emailLinks;
  } catch {
    return void say('Network trouble: the catalog could not be loaded. Reload the page to retry.', 'error');
  }
  if (!item) {
    title.textContent = 'Not found';
    return void say('There is no such video or channel.', 'error');
  }
  title.textContent = item.title;
  document.title = `${item.title} · Boxoffice`;
  const facts = [item.kind === 'live' ? 'Live channel' : formatDuration(item.durationSec ?? 0), formatPrice(item.priceCents, item.currency)];
  if (item.accessUntil) facts.push(`your access: ${formatRemaining(item.accessUntil)}`);
  meta.textContent = facts.join(' · ');
  await begin();
}

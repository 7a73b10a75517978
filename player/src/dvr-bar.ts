import { formatBehind, spokenBehind } from './dvr.ts';
import { el } from './format.ts';
import type { TimeShiftState } from './time-shift.ts';

/** The time-shift bar of a live item: a range from the oldest DVR point (left) to the live edge (right, 0). */
export interface DvrBar {
  readonly element: HTMLElement;
  /** Shows where the viewer is (call it every second); undefined keeps what is shown (e.g. while a source loads). */
  update(state: TimeShiftState | undefined): void;
  hide(): void;
}

/** After a seek, the position shown is left alone this long so the video can get there. */
const SETTLE_MS = 1500;

/** Waits this long after the last change before seeking: key presses in a row make one seek. */
const DEBOUNCE_MS = 250;

/** Creates the bar; `onSeek` gets the seconds behind live the viewer chose (0: live). */
export function createDvrBar(onSeek: (secondsBehind: number) => void): DvrBar {
  const input = el('input', { id: 'dvr-seek', type: 'range', min: '0', max: '0', step: '1', value: '0', 'aria-valuetext': 'live' });
  const shown = el('output', { id: 'dvr-behind', for: 'dvr-seek' }, 'LIVE');
  const element = el('div', { class: 'dvr', id: 'dvr', hidden: '' }, el('label', { for: 'dvr-seek' }, 'Time-shift'), input, shown);
  let dragging = false;
  let settleUntil = 0;
  let pending: number | undefined;
  const show = (behind: number, live: boolean): void => {
    shown.textContent = formatBehind(behind, live);
    input.setAttribute('aria-valuetext', spokenBehind(behind, live));
  };
  input.addEventListener('input', () => {
    dragging = true;
    const behind = -Number(input.value);
    show(behind, behind <= 0);
  });
  input.addEventListener('change', () => {
    dragging = false;
    settleUntil = Date.now() + DEBOUNCE_MS + SETTLE_MS;
    clearTimeout(pending);
    pending = window.setTimeout(() => onSeek(-Number(input.value)), DEBOUNCE_MS);
  });
  return {
    element,
    update(state) {
      if (!state) return;
      element.hidden = false;
      element.dataset.source = state.source;
      element.dataset.behindSeconds = state.behind.toFixed(1);
      element.dataset.spanSeconds = state.span.toFixed(1);
      element.toggleAttribute('data-at-live', state.atLive);
      if (dragging || Date.now() < settleUntil) return;
      input.min = String(-Math.ceil(state.span));
      input.value = String(state.atLive ? 0 : -Math.round(state.behind));
      show(state.behind, state.atLive);
    },
    hide() {
      clearTimeout(pending);
      element.hidden = true;
    },
  };
}

import { field } from './dom.ts';
import { el, formatPercent, parsePrice } from './format.ts';
import { watchJob } from './job-watch.ts';
import type { PageContext } from './page.ts';
import type { Job } from './types.ts';
import { finishUpload, hasUnfinished, sendFile } from './uploader.ts';

/** A progress bar with its percentage and a line of words. */
function progressLine(id: string, label: string): { node: HTMLElement; show(fraction: number, words: string): void } {
  const bar = el('progress', { id, max: '1', value: '0', 'aria-label': label });
  const percent = el('span', { id: `${id.replace(/-progress$/, '')}-percent`, class: 'percent' });
  const words = el('span', { id: `${id.replace(/-progress$/, '')}-text`, class: 'words' });
  const node = el('div', { class: 'progress-line', hidden: '' }, el('span', { class: 'label' }, label), bar, percent, words);
  return {
    node,
    show(fraction, text) {
      node.hidden = false;
      bar.value = fraction;
      percent.textContent = formatPercent(fraction);
      words.textContent = text;
    },
  };
}

/** The upload form: a file, its title and price; sends it in resumable chunks, then follows its packaging. `uploaded` runs when the video exists. */
export function createUploadForm(ctx: PageContext, uploaded: () => void): HTMLElement {
  const file = el('input', { id: 'upload-file', type: 'file', accept: 'video/*,.mp4,.mov,.mkv,.webm,.ts', required: '' });
  const title = el('input', { id: 'upload-title', type: 'text', maxlength: '200', placeholder: 'From the file name' });
  const price = el('input', { id: 'upload-price', type: 'text', inputmode: 'decimal', placeholder: '0.00 (free)', size: '10' });
  const button = el('button', { id: 'upload-start', type: 'submit', class: 'primary' }, 'Upload');
  const hint = el('p', { id: 'upload-hint', class: 'hint', hidden: '' });
  const result = el('p', { id: 'upload-result', class: 'hint', hidden: '' });
  const sending = progressLine('upload-progress', 'Upload');
  const packaging = progressLine('packaging-progress', 'Packaging');
  const form = el('form', { id: 'upload-form', class: 'create' }, field('Video file', file), field('Title', title), field('Price', price), button);
  file.addEventListener('change', () => {
    const picked = file.files?.[0];
    if (picked && !title.value) title.value = picked.name.replace(/\.[^.]+$/, '');
    hint.hidden = !(picked && hasUnfinished(picked, localStorage));
    hint.textContent = 'Part of this file was uploaded before: Upload carries on where it stopped.';
  });
  const packaged = (job: Job): void => {
    const words = { queued: 'Waiting for the packager…', running: 'Cutting the renditions…', done: 'Packaged: the video is ready.', failed: `Packaging failed: ${job.error ?? 'no reason given'}` }[job.state];
    packaging.show(job.state === 'done' ? 1 : job.progress, words);
    packaging.node.dataset.state = job.state;
  };
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const picked = file.files?.[0];
    const priceCents = parsePrice(price.value);
    if (!picked) return ctx.say('Pick a video file first.', 'error');
    if (priceCents === undefined) return ctx.say('The price is an amount like 4.99 (empty or 0 is free).', 'error');
    const name = title.value.trim() || picked.name;
    button.disabled = true;
    result.hidden = true;
    packaging.node.hidden = true;
    delete packaging.node.dataset.state;
    const deps = { api: ctx.api, storage: localStorage, sleep: (ms: number) => ctx.scope.sleep(ms), active: () => ctx.scope.active };
    try {
      const progress = (received: number, size: number): void => sending.show(received / size, received < size ? `${(received / 1048576).toFixed(1)} of ${(size / 1048576).toFixed(1)} MiB` : 'Uploaded.');
      const upload = await sendFile(picked, { ...deps, progress });
      const video = await finishUpload(picked, upload, { title: name, priceCents }, deps);
      result.hidden = false;
      result.dataset.videoId = video.id;
      result.dataset.key = video.key;
      result.textContent = `Stored in the bucket as ${video.key}.`;
      uploaded();
      form.reset();
      hint.hidden = true;
      const job = await watchJob(ctx.api, video.jobId, ctx.scope, packaged);
      if (job?.state === 'done') ctx.say(`“${name}” is packaged and in the catalog.`);
      uploaded();
    } catch (e) {
      ctx.fail(e);
    } finally {
      button.disabled = false;
    }
  });
  return el('section', { class: 'panel' }, el('h2', {}, 'Upload a video'), form, hint, sending.node, result, packaging.node);
}

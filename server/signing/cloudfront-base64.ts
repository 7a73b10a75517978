/** CloudFront's base64: standard base64 with `+`→`-`, `=`→`_`, `/`→`~`, padding kept. */
export function encodeCloudFrontBase64(data: Buffer | string): string {
  return Buffer.from(data).toString('base64').replace(/[+=/]/g, (c) => (c === '+' ? '-' : c === '=' ? '_' : '~'));
}

/**
 * Decodes CloudFront base64 strictly: only its alphabet, whole quads, padding only at the end, and the
 * canonical encoding of the bytes (Node's own decoder accepts almost anything). Undefined when invalid.
 */
export function decodeCloudFrontBase64(text: string): Buffer | undefined {
  if (text.length === 0 || text.length % 4 !== 0 || !/^[A-Za-z0-9~-]+_{0,2}$/.test(text)) return undefined;
  const standard = text.replace(/[-_~]/g, (c) => (c === '-' ? '+' : c === '_' ? '=' : '/'));
  const bytes = Buffer.from(standard, 'base64');
  return bytes.toString('base64') === standard ? bytes : undefined;
}

/** A path-token link (`…/s/<token>/…`) with one character of the signature inside its token changed. */
export function tamperedLink(link: string): string {
  const [head, rest] = link.split('/s/') as [string, string];
  const token = rest.slice(0, rest.indexOf('/'));
  const query = Buffer.from(token, 'base64url').toString().replace(/Signature=(.)/, (_m, c: string) => `Signature=${c === 'A' ? 'B' : 'A'}`);
  return `${head}/s/${Buffer.from(query).toString('base64url')}${rest.slice(token.length)}`;
}

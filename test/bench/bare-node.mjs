// The floor a Node origin cannot beat: a bare node:http handler answering one file from memory with the
// origin's playlist headers and nothing else (no routing, no signature check). Usage: bare-node.mjs <port> <file>
import fs from 'node:fs';
import http from 'node:http';

const [port, file] = process.argv.slice(2);
const body = fs.readFileSync(file);
const head = ['content-type', 'application/vnd.apple.mpegurl', 'cache-control', 'public, max-age=0', 'etag', '"bench"', 'vary', 'Accept-Encoding', 'content-length', String(body.length)];
http.createServer((_req, res) => res.writeHead(200, head).end(body)).listen(Number(port), '127.0.0.1');
process.on('SIGTERM', () => process.exit(0));

// A test-only reverse proxy that adds a real bearer token: for clients that cannot send one (the
// official conformance suite's server mode has no header or token option).
//
// Every request is forwarded as it is (method, path and query, headers, body streamed) to the
// worker, with `Authorization: Bearer <token>` set and `Host` rewritten to the worker's (the
// worker derives its public origin, and so the token audience it accepts, from the request URL).
// `Origin` passes through untouched, so the worker's Origin check still sees what the client sent.
// Responses stream back chunk by chunk (SSE is never buffered), and a client that goes away
// aborts the upstream request, so closing a stream at the client closes it at the worker.
import { createServer, request as httpRequest } from 'node:http';

/**
 * Start the proxy on 127.0.0.1 (a free port) in front of `target` (e.g. `http://127.0.0.1:8787`).
 * `token` is a string or a function returning one (read per request). Returns
 * `{ url, requests, close() }`; `requests` counts the requests forwarded.
 */
export async function startBearerProxy(target, token) {
  const upstream = new URL(target);
  const bearer = typeof token === 'function' ? token : () => token;
  const state = { requests: 0 };
  const server = createServer((req, res) => {
    state.requests += 1;
    const headers = { ...req.headers, host: upstream.host, authorization: `Bearer ${bearer()}` };
    // Hop-by-hop headers are the connection's own, not the request's.
    for (const h of ['connection', 'keep-alive', 'proxy-connection', 'te', 'upgrade']) delete headers[h];
    const out = httpRequest({ host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers }, (up) => {
      const responseHeaders = { ...up.headers };
      for (const h of ['connection', 'keep-alive', 'transfer-encoding']) delete responseHeaders[h];
      res.writeHead(up.statusCode, up.statusMessage, responseHeaders);
      res.flushHeaders();
      up.on('data', (chunk) => res.write(chunk));
      up.on('end', () => res.end());
      up.on('error', () => res.destroy());
      up.on('aborted', () => res.destroy());
    });
    out.on('error', (e) => {
      if (!res.headersSent) {
        res.writeHead(502, { 'content-type': 'text/plain' });
        res.end(`bearer proxy: ${e.message}`);
      } else {
        res.destroy();
      }
    });
    req.pipe(out);
    // The client hung up before the response ended (e.g. closed an SSE stream): hang up upstream.
    res.on('close', () => { if (!res.writableFinished) out.destroy(); });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${server.address().port}`;
  return {
    url,
    get requests() { return state.requests; },
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

// End-to-end tool tests: the worker in workerd (wrangler dev) and the sandbox, a real MCP client
// (the official TypeScript SDK over Streamable HTTP) signed in as Adele through the OAuth flow,
// and the sandbox's request log to check which Graph calls each tool made.
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { startStack } from './harness.mjs';
import { sdkSignIn } from './oauth_user.mjs';

/** Starts a stack with `vars` (e.g. `{ TOOL_PRESET: 'full', SEND_POLICY: 'direct' }`), signs in
 * and connects. Returns helpers; call `close()` in `after`. */
export async function toolStack({ vars = {}, clientName = 'Tool Test Client', userName, extraScopes = [] } = {}) {
  const stack = await startStack({ vars });
  try {
    const serverUrl = `${stack.url}/mcp`;
    // `extraScopes`: on-demand permissions (the `.Shared` ones) asked for up front, on top of
    // what the server advertises.
    let scope;
    if (extraScopes.length) {
      const prm = await (await fetch(`${stack.url}/.well-known/oauth-protected-resource/mcp`)).json();
      scope = [...prm.scopes_supported, ...extraScopes].join(' ');
    }
    const provider = await sdkSignIn(stack.url, serverUrl, { clientName, ...(userName ? { userName } : {}), ...(scope ? { scope } : {}) });
    const client = new Client({ name: clientName, version: '1.0.0' });
    await client.connect(new StreamableHTTPClientTransport(new URL(serverUrl), { authProvider: provider }));
    const admin = (path, init) => fetch(`${stack.sandbox.url}/_admin${path}`, init);
    return {
      stack,
      client,
      provider,
      /** tools/call → `{ text, structured, isError }`. */
      async call(name, args = {}) {
        const r = await client.callTool({ name, arguments: args });
        return {
          text: (r.content || []).filter((c) => c.type === 'text').map((c) => c.text).join('\n'),
          structured: r.structuredContent,
          isError: r.isError === true,
        };
      },
      /** Names from tools/list. */
      async toolNames() {
        return (await client.listTools()).tools.map((t) => t.name);
      },
      /** The sandbox's request-log position; pass it to `graphRequests`. */
      async mark() {
        return (await (await admin('/requests')).json()).last;
      },
      /** Graph requests the sandbox recorded after `since`. */
      async graphRequests(since) {
        return (await (await admin(`/requests?since=${since}`)).json()).requests;
      },
      async setFaults(config) {
        await admin('/faults', { method: 'POST', body: JSON.stringify(config) });
      },
      async clearFaults() {
        await admin('/faults', { method: 'DELETE' });
      },
      async close() {
        await client.close().catch(() => {});
        await stack.stop();
      },
    };
  } catch (e) {
    await stack.stop();
    throw e;
  }
}

/** Every Graph request carries the immutable-id preference; no `$search` with `$filter`/`$orderby`. */
export function assertGraphHygiene(assert, requests) {
  for (const r of requests) {
    if (!r.path.startsWith('/v1.0')) continue;
    const prefer = r.headers?.prefer || '';
    assert.match(prefer, /IdType="ImmutableId"/, `${r.method} ${r.path} lacks the immutable-id preference`);
    const q = decodeURIComponent(r.query || '');
    assert.ok(!(q.includes('$search') && (q.includes('$filter') || q.includes('$orderby'))), `$search combined with $filter/$orderby: ${q}`);
  }
}

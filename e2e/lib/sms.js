// A test SMS gateway for the browser tests: a real HTTP server on a loopback port that speaks
// civicdesk's signed SMS gateway protocol (docs/NOTIFICATIONS.md: a JSON POST of message_id,
// to, body and callback_url, signed with HMAC-SHA256 over the timestamp and the body). It checks
// the signature, keeps every message, and answers with an id, as a real gateway would.

"use strict";

const crypto = require("node:crypto");
const http = require("node:http");

const SECRET = "e2e-sms-gateway-secret-0123456789";

async function startSmsGateway() {
  const received = [];
  const server = http.createServer((req, res) => {
    let body = "";
    req.on("data", (d) => (body += d));
    req.on("end", () => {
      const ts = req.headers["x-civicdesk-timestamp"] || "";
      const sig = String(req.headers["x-civicdesk-signature"] || "");
      const expected = crypto.createHmac("sha256", SECRET).update(`${ts}.${body}`).digest("hex");
      const ok = sig.endsWith(expected);
      const m = ok ? JSON.parse(body) : null;
      if (m) received.push({ ...m, at: Date.now() });
      res.writeHead(ok ? 200 : 401, { "content-type": "application/json" });
      res.end(JSON.stringify(ok ? { id: `sms-${received.length}` } : { error: "bad signature" }));
    });
  });
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address();
  return {
    url: `http://127.0.0.1:${port}/send`,
    secret: SECRET,
    received,
    /** The newest message to `to` (E.164) after `skip` of them, waiting for the outbox worker. */
    async waitFor(to, { skip = 0, timeoutMs = 20000 } = {}) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const mine = received.filter((m) => m.to === to);
        if (mine.length > skip) return mine[mine.length - 1];
        if (Date.now() > deadline) {
          throw new Error(`no SMS to ${to} within ${timeoutMs} ms; received: ${JSON.stringify(received.map((m) => [m.to, m.body]))}`);
        }
        await new Promise((r) => setTimeout(r, 200));
      }
    },
    count(to) {
      return received.filter((m) => m.to === to).length;
    },
    close() {
      return new Promise((r) => server.close(r));
    },
  };
}

module.exports = { startSmsGateway };

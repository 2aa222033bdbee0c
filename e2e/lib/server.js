// A real civicdesk for the browser tests: `civicdesk demo` in a fresh temporary directory on a
// free loopback port, sending its e-mail to a real SMTP server (the Rust notification tests'
// sink, crates/cli/tests/http/smtp_sink.rs, built as the `smtp_sink` example) whose received
// messages the tests read.

"use strict";

const { spawn } = require("node:child_process");
const fs = require("node:fs");
const net = require("node:net");
const os = require("node:os");
const path = require("node:path");
const readline = require("node:readline");

const REPO = path.resolve(__dirname, "..", "..");
/** The binary under test: $CIVICDESK_BIN, else the debug build in $CARGO_TARGET_DIR. */
function binary() {
  if (process.env.CIVICDESK_BIN) return process.env.CIVICDESK_BIN;
  const target = process.env.CARGO_TARGET_DIR || path.join(REPO, "target");
  return path.join(target, "debug", "civicdesk");
}

/**
 * The SMTP sink: $CIVICDESK_SMTP_SINK, else the `smtp_sink` example beside the binary under test
 * (`cargo test` builds it; so does `cargo build -p civicdesk --example smtp_sink`).
 */
function smtpSink() {
  if (process.env.CIVICDESK_SMTP_SINK) return process.env.CIVICDESK_SMTP_SINK;
  return path.join(path.dirname(binary()), "examples", "smtp_sink");
}

function freePort() {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.unref();
    probe.on("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
}

/** Resolves with the first line of `stream` that `match` returns a value for. */
function waitForLine(child, stream, match, what, timeoutMs) {
  return new Promise((resolve, reject) => {
    const lines = [];
    const rl = readline.createInterface({ input: stream });
    const timer = setTimeout(
      () => reject(new Error(`${what} did not start within ${timeoutMs} ms:\n${lines.join("\n")}`)),
      timeoutMs,
    );
    rl.on("line", (line) => {
      lines.push(line);
      const found = match(line, lines);
      if (found !== undefined) {
        clearTimeout(timer);
        resolve(found);
      }
    });
    child.on("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`${what} exited with ${code} before it was ready:\n${lines.join("\n")}`));
    });
  });
}

/** The SMTP sink: every received message is a JSON file in `dir`. */
class Mailbox {
  constructor(child, port, dir) {
    this.child = child;
    this.port = port;
    this.dir = dir;
  }

  static async start(dir) {
    fs.mkdirSync(dir, { recursive: true });
    const sink = smtpSink();
    if (!fs.existsSync(sink)) {
      throw new Error(`no SMTP sink at ${sink}: run \`cargo build -p civicdesk --example smtp_sink\``);
    }
    const child = spawn(sink, [dir], { stdio: ["pipe", "pipe", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (d) => (stderr += d));
    const port = await waitForLine(
      child,
      child.stdout,
      (line) => (line.startsWith("READY ") ? Number(line.slice(6)) : undefined),
      "the SMTP sink",
      15000,
    ).catch((e) => {
      throw new Error(`${e.message}\n${stderr}`);
    });
    return new Mailbox(child, port, dir);
  }

  /** Every message received so far: { rcpt_tos, subject, text, html, … }. */
  messages() {
    return fs
      .readdirSync(this.dir)
      .filter((f) => f.endsWith(".json"))
      .sort()
      .map((f) => JSON.parse(fs.readFileSync(path.join(this.dir, f), "utf8")));
  }

  /**
   * Waits for the newest message to `to` that arrived after the first `skip` messages to that
   * address (the notification worker polls its outbox every two seconds).
   */
  async waitFor(to, { skip = 0, timeoutMs = 20000 } = {}) {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const mine = this.messages().filter((m) => m.rcpt_tos.includes(to));
      if (mine.length > skip) return mine[mine.length - 1];
      if (Date.now() > deadline) {
        const all = this.messages().map((m) => `${m.rcpt_tos} ${m.subject}`);
        throw new Error(`no mail to ${to} within ${timeoutMs} ms; received: ${JSON.stringify(all)}`);
      }
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  /** Counts messages to `to` so far (pass as `skip` before triggering a new one). */
  count(to) {
    return this.messages().filter((m) => m.rcpt_tos.includes(to)).length;
  }

  /** The one-time code (six or more digits) in the newest message to `to` after `skip`. */
  async code(to, opts) {
    const m = await this.waitFor(to, opts);
    const body = `${m.subject}\n${m.text || ""}\n${m.html || ""}`;
    const found = body.match(/(?<!\d)(\d{6,8})(?!\d)/);
    if (!found) throw new Error(`no code in the mail to ${to}: ${body}`);
    return found[1];
  }

  stop() {
    this.child.stdin.end();
    this.child.kill();
  }
}

/**
 * Starts the SMTP sink and `civicdesk demo`. Resolves with
 * { baseURL, staff: { admin: { login, password, role }, … }, mail: Mailbox, stop() }.
 * `options.env` adds settings (e.g. `CIVICDESK_MAP_TILES`) over the test's own;
 * `options.config` is written to the server's `civicdesk.toml` (for settings that have no
 * variable, e.g. `[webhooks] max_attempts`); `options.host` is the host name of its URL;
 * `options.port` a port chosen beforehand (`freePort`), for a peer that must know it first.
 */
async function startDemo(options = {}) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "civicdesk-e2e-"));
  const mail = await Mailbox.start(path.join(dir, "mail"));
  const bin = binary();
  if (!fs.existsSync(bin)) {
    mail.stop();
    throw new Error(`${bin} does not exist: run \`cargo build -p civicdesk\` or set CIVICDESK_BIN`);
  }
  if (options.config) fs.writeFileSync(path.join(dir, "civicdesk.toml"), options.config);
  const port = options.port || (await freePort());
  // `options.host`: the name the browser uses (passkeys need a host name such as localhost,
  // not an IP address); the server listens on 127.0.0.1 either way.
  const baseURL = `http://${options.host || "127.0.0.1"}:${port}`;
  const env = { ...process.env };
  for (const k of Object.keys(env)) if (k.startsWith("CIVICDESK_")) delete env[k];
  Object.assign(env, {
    CIVICDESK_BIND: `127.0.0.1:${port}`,
    CIVICDESK_PUBLIC_URL: baseURL,
    CIVICDESK_DATA_DIR: path.join(dir, "data"),
    CIVICDESK_SMTP_HOST: "127.0.0.1",
    CIVICDESK_SMTP_PORT: String(mail.port),
    CIVICDESK_SMTP_TLS: "none",
    CIVICDESK_SMTP_FROM: "臺北市 1999 <no-reply@1999.example.gov.tw>",
    // The hand-written sample loads in a moment; a spec that wants the city's month of real
    // cases asks for it (`options.env`).
    CIVICDESK_DEMO_SAMPLE: "basic",
    RUST_LOG: process.env.RUST_LOG || "warn",
  });
  Object.assign(env, options.env || {});
  const child = spawn(bin, ["demo"], { cwd: dir, env, stdio: ["ignore", "pipe", "pipe"] });
  let stderr = "";
  child.stderr.on("data", (d) => (stderr += d));
  const staff = {};
  let kiosk = null;
  await waitForLine(
    child,
    child.stdout,
    (line) => {
      // "    admin       <password>   <role>" under "staff accounts", then the server's
      // "civicdesk listening on http://…" once it accepts connections.
      // "  Smart Desk:      <the kiosk's set-up link>"
      const desk = line.match(/^ {2}Smart Desk:\s+(\S+)/);
      if (desk) kiosk = desk[1];
      const account = line.match(/^ {4}(\S+)\s+(\S+)\s{3}(.+)$/);
      if (account) staff[account[1]] = { login: account[1], password: account[2], role: account[3] };
      return line.startsWith("civicdesk listening on ") ? true : undefined;
    },
    `${bin} demo`,
    120000,
  ).catch((e) => {
    mail.stop();
    child.kill();
    throw new Error(`${e.message}\n${stderr}`);
  });
  child.stdout.resume();
  for (const role of ["admin", "agent", "dispatcher", "field", "supervisor", "clerk", "privacy", "dpo"]) {
    if (!staff[role]) throw new Error(`the demo printed no login for ${role}: ${JSON.stringify(staff)}`);
  }
  return {
    baseURL,
    staff,
    /** The Smart Desk kiosk's set-up link, as the demo printed it. */
    kiosk,
    mail,
    dir,
    stderr: () => stderr,
    async stop() {
      const exited = new Promise((r) => (child.exitCode !== null ? r() : child.once("exit", r)));
      child.kill("SIGTERM");
      mail.stop();
      await exited;
      if (!process.env.E2E_KEEP_DATA) fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

module.exports = { startDemo, binary, freePort };

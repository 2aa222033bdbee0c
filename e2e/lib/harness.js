// The frame of every spec file: one demo server and one Chromium per file, a fresh browser
// context per test, and every test run once in Chinese (zh-TW) and once in English.
//
//   const { eachLanguage } = require("../lib/harness");
//   eachLanguage("what the user does", async ({ page, lang, t, server, signIn, visit }) => {
//     await signIn(page, "dispatcher");
//     await page.goto("/work");
//     await visit(page, "work-queue");
//   });

"use strict";

const fs = require("node:fs");
const path = require("node:path");
const { test, before, after } = require("node:test");
const { chromium } = require("playwright-core");
const { startDemo } = require("./server");
const checks = require("./checks");

const LANGUAGES = ["zh-TW", "en"];
const ACCEPT_LANGUAGE = { "zh-TW": "zh-TW,zh;q=0.9", en: "en-GB,en;q=0.9" };
const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
];
const FAILURES = path.resolve(__dirname, "..", "screenshots", "failures");

let server;
let browser;
let serverOptions = async () => ({});

/**
 * Sets how this file's demo server is started: `fn` resolves with the options of
 * `startDemo` (`{ env, config }`), e.g. a map tile URL pointing at a server the spec runs. Call it at
 * the top of the spec file, before any test runs.
 */
function configureServer(fn) {
  serverOptions = fn;
}

before(async () => {
  // Both start at once; each is kept as soon as it is up, so `after` stops whichever started.
  const launching = chromium
    .launch({ executablePath: process.env.CHROMIUM || "/usr/bin/chromium", headless: true, args: CHROMIUM_ARGS })
    .then((b) => (browser = b));
  // The root hook may start while the spec file is still being loaded: let it finish (and call
  // configureServer) before the server's options are read.
  const starting = new Promise((r) => setImmediate(r))
    .then(() => serverOptions())
    .then((options) => startDemo(options))
    .then((s) => (server = s));
  const [launched, started] = await Promise.allSettled([launching, starting]);
  for (const r of [launched, started]) if (r.status === "rejected") throw r.reason;
});

after(async () => {
  if (browser) await browser.close();
  if (server) await server.stop();
});

/** The demo server of this spec file (started in `before`). */
function demo() {
  return server;
}

/** Signs `page` in as one of the demo's staff accounts (admin, agent, dispatcher, field, supervisor). */
async function signIn(page, role) {
  const account = server.staff[role];
  if (!account) throw new Error(`the demo has no ${role} account: ${Object.keys(server.staff)}`);
  return signInAs(page, account.login, account.password);
}

/** Signs `page` in with a login and password through the sign-in form; resolves with where it landed. */
async function signInAs(page, login, password) {
  await page.goto("/sign-in");
  await page.fill("#f-login", login);
  await page.fill("#f-password", password);
  await Promise.all([page.waitForURL((u) => u.pathname !== "/sign-in"), page.click("main form button[type=submit]")]);
  const landed = new URL(page.url()).pathname;
  if (landed.startsWith("/sign-in/code") || landed.startsWith("/account/second-factor")) {
    throw new Error(`${login} needs a second factor (landed on ${landed}); the e2e harness cannot give one`);
  }
  return landed;
}

/** Picks the text for the test's language: t({ "zh-TW": "…", en: "…" }) or t("中文", "English"). */
function translator(lang) {
  return (zh, en) => {
    if (typeof zh === "object") return zh[lang];
    return lang === "en" ? en : zh;
  };
}

/**
 * Registers `fn` as two tests, "<title> [zh-TW]" and "<title> [en]". Each gets a new browser
 * context whose Accept-Language asks for that language, at 1280 × 800, with `baseURL` set.
 * `fn` receives { page, context, lang, t, server, signIn, signInAs, visit }, where
 * visit(page, name) runs every page check (language, dates, axe, reflow, text size) and saves
 * the screenshots; visit(page, name, { again: true }) is for a page already visited in full,
 * in another state (see checks.visit). A failing test leaves screenshots/failures/<title>.png behind.
 */
function eachLanguage(title, fn, options = {}) {
  for (const lang of LANGUAGES) {
    test(`${title} [${lang}]`, { timeout: options.timeout || 180000 }, async () => {
      const context = await browser.newContext({
        baseURL: server.baseURL,
        locale: lang,
        extraHTTPHeaders: { "Accept-Language": ACCEPT_LANGUAGE[lang] },
        viewport: { width: 1280, height: 800 },
        ...options.context,
      });
      context.setDefaultTimeout(15000);
      const page = await context.newPage();
      const problems = [];
      page.on("pageerror", (e) => problems.push(`script error: ${e.message}`));
      page.on("console", (m) => {
        // A page answered 400 or 404 on purpose is logged as a failed load: not a problem.
        if (m.type() === "error" && !/Failed to load resource/.test(m.text())) problems.push(`console: ${m.text()}`);
      });
      try {
        await fn({
          page,
          context,
          lang,
          t: translator(lang),
          server,
          signIn,
          signInAs,
          visit: (p, name, options) => checks.visit(p, name, lang, options),
        });
        if (problems.length > 0) throw new Error(`the page reported errors:\n${problems.join("\n")}`);
      } catch (e) {
        fs.mkdirSync(FAILURES, { recursive: true });
        const file = `${title} ${lang}`.replace(/[^\w.-]+/g, "-");
        await page.screenshot({ path: path.join(FAILURES, `${file}.png`), fullPage: true }).catch(() => {});
        throw e;
      } finally {
        await context.close();
      }
    });
  }
}

module.exports = { LANGUAGES, configureServer, demo, eachLanguage, signIn, signInAs };

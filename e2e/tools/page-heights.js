// Measures how tall the staff pages are at 1280 px (and the field pages at 375 px) on the demo
// with its city sample: the numbers the dispatch-console work is held to (no staff case page
// taller than 2,000 px with a typical case). Prints one line per page and the tallest.
//
//   cd e2e && CIVICDESK_BIN=/path/to/civicdesk node tools/page-heights.js
"use strict";

const { chromium } = require("playwright-core");
const { startDemo } = require("../lib/server");

async function height(page, url) {
  await page.goto(url);
  return page.evaluate(() => document.documentElement.scrollHeight);
}

async function signedIn(browser, server, role, width) {
  const context = await browser.newContext({
    baseURL: server.baseURL,
    locale: "zh-TW",
    extraHTTPHeaders: { "Accept-Language": "zh-TW" },
    viewport: { width, height: 800 },
  });
  const page = await context.newPage();
  const account = server.staff[role];
  await page.goto("/sign-in");
  await page.fill("#f-login", account.login);
  await page.fill("#f-password", account.password);
  await Promise.all([page.waitForURL((u) => u.pathname !== "/sign-in"), page.click("main form button[type=submit]")]);
  return page;
}

(async () => {
  const server = await startDemo({ env: { CIVICDESK_DEMO_SAMPLE: "city" } });
  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM || "/usr/bin/chromium" });
  const rows = [];
  try {
    const dispatcher = await signedIn(browser, server, "dispatcher", 1280);
    rows.push(["/work", 1280, await height(dispatcher, "/work")]);
    const numbers = await dispatcher
      .locator("main table a[href^='/work/cases/']")
      .evaluateAll((as) => as.map((a) => a.getAttribute("href")));
    for (const href of numbers.slice(0, 8)) rows.push([href, 1280, await height(dispatcher, href)]);
    const supervisor = await signedIn(browser, server, "supervisor", 1280);
    rows.push(["/supervise", 1280, await height(supervisor, "/supervise")]);
    const agent = await signedIn(browser, server, "agent", 1280);
    rows.push(["/desk", 1280, await height(agent, "/desk")]);
    rows.push(["/desk/answers", 1280, await height(agent, "/desk/answers")]);
    const admin = await signedIn(browser, server, "admin", 1280);
    for (const p of ["/admin", "/admin/staff", "/admin/rules", "/admin/sla", "/admin/jobs"]) {
      rows.push([p, 1280, await height(admin, p)]);
    }
    const field = await signedIn(browser, server, "field", 375);
    rows.push(["/field", 375, await height(field, "/field")]);
  } finally {
    await browser.close();
    server.stop();
  }
  for (const [p, w, h] of rows) console.log(`${String(h).padStart(6)} px  ${w} px wide  ${p}`);
  const cases = rows.filter(([p]) => p.startsWith("/work/cases/"));
  const tallest = rows.reduce((a, b) => (b[2] > a[2] ? b : a));
  console.log(`tallest staff page: ${tallest[2]} px (${tallest[0]})`);
  if (cases.length) console.log(`case pages: ${Math.min(...cases.map((r) => r[2]))}–${Math.max(...cases.map((r) => r[2]))} px`);
})().catch((e) => {
  console.error(e);
  process.exit(1);
});

// The administration of who and what may use civicdesk: a staff member created (the temporary
// password shown once), their role changed, a second factor required of a role; an API client
// whose key is shown once; a webhook to a receiver this test runs (a ping that fails, then
// delivered again by hand); a notification template edited and previewed.

"use strict";

const assert = require("node:assert/strict");
const http = require("node:http");
const { configureServer, eachLanguage } = require("../lib/harness");
const { submit } = require("../lib/actions");
const { checkErrorSummary } = require("../lib/checks");

// A webhook that fails once is given up at once (not retried for minutes), so the test can
// deliver it again by hand; the worker looks for work twice a second.
configureServer(async () => ({ config: "[webhooks]\nmax_attempts = 1\npoll_interval_ms = 500\n" }));

/** A suffix no other run of this file uses. */
function unique(lang) {
  return `${lang === "en" ? "e" : "z"}${String(Date.now()).slice(-6)}`;
}

/**
 * A webhook receiver on a loopback port: the first request is answered 500, every later one
 * 200. Resolves with { url, requests: [{ headers, body }], close() }.
 */
function startReceiver() {
  const requests = [];
  const server = http.createServer((req, res) => {
    let body = "";
    req.on("data", (d) => (body += d));
    req.on("end", () => {
      requests.push({ headers: req.headers, body });
      res.writeHead(requests.length === 1 ? 500 : 200, { "content-type": "text/plain" });
      res.end(requests.length === 1 ? "not yet" : "ok");
    });
  });
  return new Promise((resolve) => {
    server.listen(0, "127.0.0.1", () => {
      resolve({
        url: `http://127.0.0.1:${server.address().port}/hooks/civicdesk`,
        requests,
        close: () => new Promise((r) => server.close(r)),
      });
    });
  });
}

/** Reloads `page` until `predicate()` holds (the webhook worker polls every two seconds). */
async function reloadUntil(page, predicate, what, timeoutMs = 20000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await predicate()) return;
    if (Date.now() > deadline) assert.fail(`${what} within ${timeoutMs} ms`);
    await page.waitForTimeout(500);
    await page.reload();
  }
}

eachLanguage("an admin adds a staff member, changes their role and requires a second factor", async ({ page, lang, t, signIn, visit }) => {
  await signIn(page, "admin");
  await page.goto("/admin/staff");
  await visit(page, "admin-staff");
  await page.locator("main a[href='/admin/staff/new']").click();
  await page.waitForURL((url) => url.pathname === "/admin/staff/new");
  await visit(page, "admin-staff-new");

  // Refused: no role, a malformed e-mail; then accepted, with a temporary password shown once.
  const login = `e2e-${unique(lang)}`;
  await page.fill("#f-login", login);
  await page.fill("#f-display_name", "林小美");
  await page.fill("#f-email", "not-an-address");
  assert.equal(await submit(page, "main form button[type=submit]"), 400);
  const refused = await page.locator(".error-summary a").evaluateAll((as) => as.map((a) => a.getAttribute("href").slice(1)));
  assert.ok(refused.includes("f-email"), `the e-mail is refused: ${refused}`);
  await checkErrorSummary(page, refused, t);
  assert.equal(await page.inputValue("#f-display_name"), "林小美", "what was entered is kept");
  await visit(page, "admin-staff-refused", { again: true });
  await page.fill("#f-email", `${login}@example.gov.tw`);
  await page.selectOption("#f-r0-role", "counter_clerk");
  await page.selectOption("#f-r0-scope", { index: 0 });
  assert.equal(await submit(page, "main form button[type=submit]"), 200);
  const temporary = (await page.locator(".big-code.secret").innerText()).trim();
  await page.reload();
  assert.equal((await page.locator(".big-code.secret").innerText()).trim(), temporary, "a reload shows it again");
  assert.ok(temporary.length >= 8, "a temporary password is shown");
  await visit(page, "admin-staff-created");

  // Their role changed on their page.
  await page.goto("/admin/staff");
  const row = page.locator("main tbody tr", { has: page.locator(`a:text-is("${login}")`) });
  assert.equal(await row.count(), 1, "the new account is listed");
  assert.match(await row.innerText(), /林小美/);
  // On an English page the Chinese name is marked as Chinese, so it is read with a Chinese voice.
  const marked = await row.locator('[lang="zh-Hant-TW"]', { hasText: "林小美" }).count();
  assert.equal(marked, lang === "en" ? 1 : 0, "the name's language is marked on English pages only");
  await row.locator("a").first().click();
  await page.waitForURL(/\/admin\/staff\/[^/]+$/);
  await visit(page, "admin-staff-edit");
  assert.equal(await page.inputValue("#f-r0-role"), "counter_clerk");
  await page.selectOption("#f-r0-role", "agent");
  assert.ok((await submit(page, "form[action$='/roles'] button[type=submit]")) < 400);
  assert.equal(await page.inputValue("#f-r0-role"), "agent", "the new role is kept");
  assert.match(await page.locator(".status-message").innerText(), /\S/, "the change is announced");
  await page.goto("/admin/staff");
  assert.match(await row.innerText(), new RegExp(t("話務", "gent")), "the list shows the new role");

  // A second factor required of every counter clerk, then no longer.
  const clerk = page.locator("#f-2fa-counter_clerk");
  assert.equal(await clerk.isChecked(), false);
  await clerk.check();
  assert.equal(await submit(page, "form[action='/admin/staff/second-factor'] button[type=submit]"), 200);
  assert.equal(await clerk.isChecked(), true, "counter clerks now need a second factor");
  await visit(page, "admin-staff-second-factor", { again: true });
  await clerk.uncheck();
  assert.equal(await submit(page, "form[action='/admin/staff/second-factor'] button[type=submit]"), 200);
  assert.equal(await clerk.isChecked(), false);
});

eachLanguage("an admin creates an API client, whose key is shown only once", async ({ page, lang, t, signIn, visit }) => {
  await signIn(page, "admin");
  await page.goto("/admin/api-clients");
  assert.equal(await submit(page, "form[action='/admin/api-clients'] button[type=submit]"), 400);
  await checkErrorSummary(page, ["f-name"], t);
  await visit(page, "admin-clients-refused");

  const name = `${t("里長通報 App", "Ward chief app")} ${unique(lang)}`;
  await page.fill("#f-name", name);
  assert.equal(await submit(page, "form[action='/admin/api-clients'] button[type=submit]"), 200);
  assert.ok(page.url().includes("/admin/api-clients/created?s="), page.url());
  const key = (await page.locator(".big-code.secret").innerText()).trim();
  assert.ok(key.length >= 16, `a key is shown: ${key}`);
  await visit(page, "admin-client-key");

  // The list has its prefix, never the key; the key works on the API.
  await page.locator("main a.button").click();
  await page.waitForURL((url) => url.pathname === "/admin/api-clients");
  const row = page.locator("main tbody tr", { hasText: name });
  assert.equal(await row.count(), 1, "the client is listed");
  const prefix = (await row.locator("code").innerText()).replace("…", "");
  assert.ok(key.startsWith(prefix), `the list shows the key's prefix (${prefix})`);
  assert.ok(!(await page.content()).includes(key), "the key is not shown again");
  await visit(page, "admin-clients-listed", { again: true });
});

eachLanguage("an admin adds a webhook, pings it and delivers a failed ping again", async ({ page, lang, t, signIn, visit }) => {
  const receiver = await startReceiver();
  try {
    await signIn(page, "admin");
    await page.goto("/admin/webhooks");
    await visit(page, "admin-webhooks");
    await page.locator("main a[href='/admin/webhooks/new']").click();
    await page.waitForURL((url) => url.pathname === "/admin/webhooks/new");
    await visit(page, "admin-webhook-new");

    // Refused without events; then created, its signing secret shown once.
    const name = `${t("派工系統", "Dispatch bridge")} ${unique(lang)}`;
    await page.fill("#f-name", name);
    await page.fill("#f-url", receiver.url);
    assert.equal(await submit(page, "main form button[type=submit]"), 400);
    await checkErrorSummary(page, ["f-events"], t);
    await visit(page, "admin-webhook-refused", { again: true });
    await page.check("#f-event-1");
    assert.equal(await submit(page, "main form button[type=submit]"), 200);
    assert.ok((await page.locator(".big-code.secret").innerText()).trim().length >= 16, "the secret is shown");
    await visit(page, "admin-webhook-secret");
    await page.locator("main a.button").click();
    await page.waitForURL(/\/admin\/webhooks\/[^/]+$/);
    assert.equal(await page.inputValue("#f-url"), receiver.url);

    // A ping: the receiver answers 500, and (one attempt only here) the delivery is given up.
    assert.equal(await submit(page, "form[action$='/ping'] button[type=submit]"), 200);
    assert.match(await page.locator(".status-message").innerText(), /\S/);
    const failed = page.locator("#log ~ .table-wrap tbody tr", { has: page.locator("form[action$='/redeliver']") });
    await reloadUntil(page, async () => (await failed.count()) > 0, "the failed ping is in the log");
    assert.equal(receiver.requests.length, 1, "the receiver got the ping");
    assert.match(receiver.requests[0].body, /ping/);
    assert.match(await failed.first().innerText(), /HTTP 500/);
    await visit(page, "admin-webhook-failed");

    // Delivered again by hand: the receiver now answers 200.
    assert.equal(await submit(page, "form[action$='/redeliver'] button[type=submit]"), 200);
    const delivered = page.locator("#log ~ .table-wrap tbody tr", { has: page.locator(".tag.ok") });
    await reloadUntil(page, async () => (await delivered.count()) > 0, "the redelivery succeeds");
    assert.equal(receiver.requests.length, 2, "the receiver got it again");
    assert.equal(await page.locator("form[action$='/redeliver']").count(), 0, "nothing is left to redeliver");
    await visit(page, "admin-webhook-delivered", { again: true });
  } finally {
    await receiver.close();
  }
});

eachLanguage("an admin edits a notification template and previews it", async ({ page, t, signIn, visit }) => {
  await signIn(page, "admin");
  await page.goto("/admin/templates");
  await visit(page, "admin-templates");
  // An e-mail template of the page's language.
  const link = page.locator(`main tbody a[href$='/${t("zh-TW", "en")}/email']`).first();
  const href = await link.getAttribute("href");
  await link.click();
  await page.waitForURL((url) => url.pathname === href);
  await visit(page, "admin-template");

  // A broken placeholder is refused beside the body.
  const body = await page.inputValue("#f-body");
  await page.fill("#f-body", `${body}\n{{ no_such_variable }}`);
  assert.equal(await submit(page, "main form button[name=action][value=preview]"), 400);
  await checkErrorSummary(page, ["f-body"], t);
  await visit(page, "admin-template-refused", { again: true });

  // Previewed with sample values, then saved.
  const extra = t("如有疑問請撥 1999。", "Questions? Call 1999.");
  await page.fill("#f-body", `${body}\n${extra}`);
  assert.equal(await submit(page, "main form button[name=action][value=preview]"), 200);
  const preview = page.locator("section[aria-labelledby='preview-title']");
  assert.ok((await preview.innerText()).includes(extra), "the preview has the new line");
  assert.ok(!(await preview.locator("pre").innerText()).includes("{{"), "placeholders are filled in");
  await visit(page, "admin-template-preview", { again: true });
  assert.ok((await submit(page, "main form button[name=action][value=save]")) < 400);
  await page.goto(href);
  assert.ok((await page.inputValue("#f-body")).includes(extra), "the template is saved");
  assert.equal(await page.locator("main .tag.info").count(), 1, "marked as customised");

  // Back to the built-in text.
  assert.ok((await submit(page, "form[action$='/reset'] button[type=submit]")) < 400);
  await page.goto(href);
  assert.ok(!(await page.inputValue("#f-body")).includes(extra), "the built-in text is back");
});

eachLanguage("the data protection officer records a breach and works through its duties", async ({ page, t, signIn, visit }) => {
  await signIn(page, "dpo");
  await page.goto("/admin");
  await page.locator("main a[href='/admin/breaches']").click();
  await page.waitForURL((u) => u.pathname === "/admin/breaches");
  assert.equal(await submit(page, "form[action='/admin/breaches'] button[type=submit]"), 400);
  await checkErrorSummary(page, ["f-discovered_at", "f-summary", "f-data"], t);
  await visit(page, "admin-breaches-refused");

  const summary = `${t("外勤筆電遺失", "A field laptop lost")} ${Date.now()}`;
  const now = new Date(Date.now() + 8 * 3600 * 1000 - 3600 * 1000).toISOString().slice(0, 16).replace("T", " ");
  await page.fill("#f-discovered_at", now);
  await page.fill("#f-summary", summary);
  await page.check("#f-data-contact");
  await page.fill("#f-records", "250");
  assert.equal(await submit(page, "form[action='/admin/breaches'] button[type=submit]"), 200);
  const breach = page.locator("section.breach", { hasText: summary });
  assert.match(await breach.innerText(), new RegExp(t("通報主管機關", "Report to the authority")));
  await visit(page, "admin-breach-recorded");
  for (const duty of ["contain", "notify_subjects", "report_to_authority"]) {
    assert.equal(await submit(page, `section.breach:has-text("${summary}") form:has(input[name=duty][value=${duty}]) button[type=submit]`), 200);
  }
  assert.equal(await submit(page, `section.breach:has-text("${summary}") form:has(input[name=duty][value=close]) button[type=submit]`), 200);
  assert.match(await page.locator("section.breach", { hasText: summary }).innerText(), new RegExp(t("已結案", "Closed")));
  await visit(page, "admin-breach-closed", { again: true });
});

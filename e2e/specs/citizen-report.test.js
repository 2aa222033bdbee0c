// A citizen reports a broken street light from the home page and tracks the case.

"use strict";

const assert = require("node:assert/strict");
const { eachLanguage } = require("../lib/harness");
const { photo } = require("../lib/images");
const { submit } = require("../lib/actions");

eachLanguage("the language switch in the header changes the language and remembers it", async ({ page, lang, visit }) => {
  const other = lang === "en" ? "zh-TW" : "en";
  const otherTag = other === "en" ? "en" : "zh-Hant-TW";
  await page.goto("/track");
  const link = page.locator(`.site-tools a[hreflang="${otherTag}"]`);
  await link.click();
  await page.waitForURL("**/track");
  assert.equal(await page.evaluate(() => document.documentElement.lang), otherTag);
  // The choice is kept (a cookie) on the next page, whatever the browser asks for.
  await page.goto("/report");
  assert.equal(await page.evaluate(() => document.documentElement.lang), otherTag);
  // ?lang= is for one request only.
  await page.goto(`/report?lang=${lang}`);
  assert.equal(await page.evaluate(() => document.documentElement.lang), lang === "en" ? "en" : "zh-Hant-TW");
  // And back.
  await page.goto("/");
  await page.locator(`.site-tools a[hreflang="${lang === "en" ? "en" : "zh-Hant-TW"}"]`).click();
  await page.waitForURL((u) => u.pathname === "/");
  await visit(page, "home");
});

eachLanguage("a citizen reports a street light with a photo and tracks the case", async ({ page, lang, t, server, visit }) => {
  await page.goto("/");
  await page.locator("main .hero a[href='/report']").click();
  await page.waitForURL((u) => u.pathname === "/report");
  await visit(page, "report-choose");

  // The search box narrows the categories as one types, and says how many are left in the
  // status region; it is also a GET form, which works without the script.
  await page.fill("#f-q", t("路燈", "street light"));
  await page.waitForFunction(() => /1/.test(document.querySelector(".status-message[role=status]").textContent));
  assert.equal(await page.locator("#categories li[data-terms]:visible").count(), 1, "the list is filtered while typing");
  const oneFound = t("找到 1 個類別。", "1 category found.");
  assert.equal((await page.locator(".status-message").innerText()).trim(), oneFound, "one match, in the singular");
  await Promise.all([page.waitForURL(/\/report\?q=/), page.press("#f-q", "Enter")]);
  const found = page.locator("#categories a[href^='/report/']");
  assert.equal(await found.count(), 1, "one category matches");
  assert.equal((await page.locator(".status-message").innerText()).trim(), oneFound);
  await visit(page, "report-search");
  await found.first().click();
  await page.waitForURL((u) => u.pathname === "/report/1999-L01");
  assert.equal(await page.locator("[data-map], #map").count(), 0, "without tiles configured there is no map");
  await visit(page, "report-form");

  // The category's questions: a text, a number (required) and a multiple choice.
  await page.fill("#f-attr-pole_number", "0505364");
  await page.fill("#f-attr-lamps_out", "2");
  await page.locator("#f-attr-fault input[type=checkbox]").first().check();
  // The place, the description and a photo.
  await page.selectOption("#f-district", "106");
  await page.fill("#f-address", t("復興南路一段390號前", "No. 390, Sec. 1, Fuxing S. Rd."));
  await page.fill(
    "#f-description",
    t("兩盞路燈從昨晚起不亮，路口很暗。", "Two street lights have been out since last night; the crossing is dark."),
  );
  await page.setInputFiles("#f-photos", photo());
  // Who to tell, and how; the personal-data notice.
  const email = `reporter-${lang.toLowerCase()}-${Date.now()}@example.com`;
  await page.fill("#f-last-name", t("林", "Lin"));
  await page.fill("#f-first-name", t("美玲", "Mei-ling"));
  await page.check("#f-notify-email");
  await page.fill("#f-email", email);
  await page.check("#f-consent");

  assert.equal(await submit(page, "main form button[type=submit]"), 200);
  assert.ok(page.url().includes("/report/filed?s="), `the confirmation, not ${page.url()}`);
  const codes = page.locator(".facts .big-code");
  const number = (await codes.nth(0).innerText()).trim();
  const password = (await codes.nth(1).innerText()).trim();
  // Reloading the confirmation shows the same case and files nothing more.
  await page.reload();
  assert.equal((await page.locator(".facts .big-code").nth(0).innerText()).trim(), number);
  assert.equal((await page.locator(".facts .big-code").nth(1).innerText()).trim(), password);
  assert.match(number, /^\d{6,}-?\d*$/, `a case number, not "${number}"`);
  assert.ok(password.length >= 4, "a case password is shown");
  assert.match(await page.locator("h1").innerText(), /\S/);
  await visit(page, "report-filed");

  // The confirmation by e-mail names the case.
  const mail = await server.mail.waitFor(email);
  assert.ok(`${mail.subject}\n${mail.text}`.includes(number), `the mail names ${number}: ${mail.subject}`);

  // Tracking: the number is carried over, the password is typed.
  await page.locator(`main a[href="/track?number=${number}"]`).click();
  await page.waitForURL((u) => u.pathname === "/track");
  assert.equal(await page.inputValue("#f-number"), number);
  await visit(page, "track-ask");
  await page.fill("#f-password", password);
  assert.equal(await submit(page, "main form button[type=submit]"), 200);
  assert.ok((await page.locator("h1").innerText()).includes(number), "the heading names the case");
  assert.ok((await page.locator(".timeline li").count()) >= 1, "the timeline has the filing");
  const due = page.locator(".facts dd time");
  assert.equal(await due.count(), 1, "the due date is shown");
  const dueText = await due.innerText();
  assert.match(dueText, lang === "en" ? /\b20\d\d\b/ : /民國\d+年/);
  assert.ok(await page.locator("dl.facts").innerText().then((s) => s.includes(t("路燈", "Street light"))));
  await visit(page, "track-case");
});

eachLanguage("a wrong case password is refused next to the field", async ({ page, visit }) => {
  await page.goto("/track");
  await page.fill("#f-number", "11511240001");
  await page.fill("#f-password", "wrong");
  const status = await submit(page, "main form button[type=submit]");
  assert.ok(status === 400 || status === 404, `status ${status}`);
  assert.equal(await page.locator(".error-summary").count(), 1);
  await visit(page, "track-refused");
});

// An item not collected in time (issue 20): on a demo whose Smart Desk keeps documents for
// 20 seconds (`[smart_desk] locker_seconds`, three days by default), a document loaded into a
// door and not collected goes back to the counter on the job queue; its locker code stops
// opening the door, the applicant is told, and the clerk hands it over at the counter after
// checking the ID.

"use strict";

const assert = require("node:assert/strict");
const { after } = require("node:test");
const { configureServer, eachLanguage, demo, signIn } = require("../lib/harness");
const { startSmsGateway } = require("../lib/sms");
const { submit } = require("../lib/actions");
const { png } = require("../lib/images");

const LOCKER_SECONDS = 20;

let sms;
configureServer(async () => {
  sms = await startSmsGateway();
  return {
    env: { CIVICDESK_SMS_URL: sms.url, CIVICDESK_SMS_SECRET: sms.secret },
    config: ["[smart_desk]", `locker_seconds = ${LOCKER_SECONDS}`, ""].join("\n"),
  };
});
after(async () => {
  if (sms) await sms.close();
});

/** A page of the demo's clerk in a browser of its own, in the test's language. */
async function clerkPage(page, lang) {
  const context = await page.context().browser().newContext({
    baseURL: demo().baseURL,
    locale: lang,
    extraHTTPHeaders: { "Accept-Language": lang === "en" ? "en-GB,en;q=0.9" : "zh-TW,zh;q=0.9" },
    viewport: { width: 1280, height: 800 },
  });
  const clerk = await context.newPage();
  await signIn(clerk, "clerk");
  return clerk;
}

eachLanguage("a document not collected in time goes back to the counter and is handed over there", async ({ page, context, lang, t, server, visit }) => {
  // The citizen signs up (a verified contact is all a senior card needs in a city whose logins
  // prove no name) and applies.
  const { signUp } = require("../lib/citizen");
  await signUp(page, { lang, t, server, visit: async () => {} });
  const mobile = lang === "en" ? "0912000005" : "0912000006";
  const e164 = `+886${mobile.slice(1)}`;
  await page.goto("/services/catalogue/welfare-senior-card");
  await page.check("#f-office-taitung-csc");
  await page.check("#f-pickup-locker");
  assert.equal(await submit(page, "main form[action$='/apply'] button[type=submit]"), 200);
  const id = new URL(page.url()).pathname.split("/").pop();
  await page.fill("#f-applicant_name", "林美玲");
  await page.fill("#f-applicant_id", "A123456789");
  await page.fill("#f-mobile", mobile);
  await page.check("#f-applies_for-self");
  await page.fill("#f-holder_birth_date", "40/01/02");
  await page.check("#f-indigenous-no");
  await page.fill("#f-household_address", "臺東縣臺東市中山路276號");
  await page.setInputFiles("#f-photo", { name: "photo.png", mimeType: "image/png", buffer: png() });
  await page.check("#f-consent");
  assert.equal(await submit(page, "main button[name=do][value=submit]"), 200);

  // Approved and loaded into a door: the code goes out by SMS.
  const clerk = await clerkPage(page, lang);
  const before = sms.count(e164);
  for (const action of ["approve", "issue"]) {
    await clerk.goto(`/staff/counter/${id}`);
    assert.equal(await submit(clerk, `main form[action$='/${action}'] button[type=submit]`), 200);
  }
  const first = await sms.waitFor(e164, { skip: before });
  assert.match(first.body, /\d{6}/);

  // Not collected: once its time is over, the job queue moves it to the counter and the
  // applicant is told (a second SMS, which says so).
  const moved = await sms.waitFor(e164, { skip: before + 1, timeoutMs: (LOCKER_SECONDS + 30) * 1000 });
  assert.match(moved.body, /櫃台|counter/);
  await page.goto(`/services/applications/${id}`);
  const facts = await page.locator("main").innerText();
  assert.ok(facts.includes(t("請於上班時間攜帶身分證件至櫃台領取", "Bring your ID to the counter in office hours")), facts);
  await visit(page, "counter-at-counter");

  // The clerk hands it over at the counter after checking the ID.
  await clerk.goto(`/staff/counter/${id}`);
  await visit(clerk, "counter-clerk-hand-over");
  await clerk.check("#f-who-applicant");
  await clerk.fill("#f-last4", "6789");
  assert.equal(await submit(clerk, "main form[action$='/pick_up'] button[type=submit]"), 200);
  await clerk.context().close();
  await page.reload();
  assert.match(await page.locator("h1").innerText(), new RegExp(t("已領件", "Picked up")));
});

// A citizen brings their details from MyData through the simulator `civicdesk demo` runs: they
// give their consent, go to MyData, prove who they are and agree there, come back, and the
// record arrives (MyData answers "not ready" first). Using it fills in their name and proves
// their real name. A second import is ready in another tab when they withdraw their consent:
// using it then is refused, and the record is gone.

"use strict";

const assert = require("node:assert/strict");
const { eachLanguage } = require("../lib/harness");
const { submit } = require("../lib/actions");
const { signUp } = require("../lib/citizen");

/** Gives consent to the MyData prefill purpose for the first duration offered. */
async function giveConsent(page) {
  await page.goto("/account/consents");
  assert.equal(await submit(page, "main form[action='/account/consents'] button[type=submit]"), 200);
}

/** From /account/mydata to MyData and back, agreeing there as the person with `nationalId`. */
async function importFromMyData(page, server, nationalId) {
  await page.goto("/account/mydata");
  await Promise.all([
    page.waitForURL((u) => !u.href.startsWith(server.baseURL)),
    page.locator("form[action='/account/mydata/start'] button").click(),
  ]);
  await page.selectOption("select[name=verify_method]", "nhi");
  await page.fill("input[name=national_id]", nationalId);
  await Promise.all([
    page.waitForURL((u) => u.href.startsWith(server.baseURL)),
    page.locator("button[value=agree]").click(),
  ]);
  assert.equal(new URL(page.url()).pathname, "/account/mydata");
  // The record comes in the background a few seconds later.
  for (let i = 0; i < 30 && (await page.locator("main form[action$='/use']").count()) === 0; i += 1) {
    await page.waitForTimeout(1000);
    await page.reload();
  }
  assert.equal(await page.locator("main form[action$='/use']").count(), 1, "the record arrived");
}

eachLanguage("a citizen brings their details from MyData, uses them, and a withdrawn consent refuses the next use", async (ctx) => {
  const { page, context, lang, t, server, visit } = ctx;
  await signUp(page, ctx);

  // Without consent the page says what is needed.
  await page.goto("/account/mydata");
  assert.equal(await page.locator("form[action='/account/mydata/start']").count(), 0);
  await visit(page, "mydata-no-consent");
  await giveConsent(page);

  const [nationalId, name] = lang === "en" ? ["A223456781", "陳美玲"] : ["A123456789", "王大明"];
  await importFromMyData(page, server, nationalId);
  const kept = await page.locator("main dl.facts").last().innerText();
  assert.ok(kept.includes(name), kept);
  await visit(page, "mydata-ready", { again: true });

  assert.equal(await submit(page, "main form[action$='/use'] button"), 200);
  assert.equal(new URL(page.url()).search, "?done=used");
  await page.goto("/account");
  const facts = await page.locator("dl.facts").first().innerText();
  assert.ok(facts.includes(name), facts);
  assert.ok(facts.includes(t("真實姓名已確認", "Real name confirmed")), facts);

  // A second import, ready in another tab; the consent is withdrawn in this one.
  await importFromMyData(page, server, nationalId);
  const other = await context.newPage();
  await other.goto("/account/mydata");
  await page.goto("/account/consents");
  assert.equal(await submit(page, "main form[action$='/withdraw'] button"), 200);
  assert.equal(await submit(other, "main form[action$='/use'] button"), 403);
  const said = await other.locator("main").innerText();
  assert.ok(said.includes(t("撤回", "withdrew")), said);
  await other.goto("/account/mydata");
  assert.equal(await other.locator("main form[action$='/use']").count(), 0, "the record is gone");
  assert.ok((await other.locator("main").innerText()).includes(t("已捨棄", "Discarded")));
  await other.close();
});

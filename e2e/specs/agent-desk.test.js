// A call-centre agent at the desk: looks the caller up by phone, files a case for them (through
// the duplicate review when the desk shows one), reads the number and password back, logs a
// call that needed no case, finds an answer in the knowledge base, opens the out-call queue.

"use strict";

const assert = require("node:assert/strict");
const { eachLanguage } = require("../lib/harness");
const { submit } = require("../lib/actions");
const { asColleague, uniquePhone } = require("../lib/staff");

eachLanguage("an agent looks a caller up, files a case, logs a call and finds an answer", async ({ page, lang, t, signIn, visit }) => {
  // The knowledge base has an answer to find (the admin writes it; the demo seeds none).
  const topic = `${t("垃圾車時刻", "Rubbish truck times")} ${lang}-${Date.now()}`;
  await asColleague(page, "admin", async (admin) => {
    await admin.goto("/admin/answers/new");
    await admin.fill("#f-question", topic);
    await admin.fill("#f-answer", t("請上環保局網站查詢各區垃圾車時刻表。", "The Environmental Protection Department's site lists the truck times by district."));
    await admin.fill("#f-keywords", t("垃圾車,時刻", "rubbish,truck"));
    assert.ok((await submit(admin, "main form button[type=submit]")) < 400);
  });

  const landed = await signIn(page, "agent");
  assert.equal(landed, "/desk");
  await visit(page, "desk");

  // Look the caller up: a number and the reason for looking (the lookup is audited).
  const phone = uniquePhone();
  await page.fill("#f-phone", phone);
  await page.fill("#f-reason", t("民眾來電反映", "Caller reports a problem"));
  assert.equal(await submit(page, "form[action='/desk/caller'] button[type=submit]"), 200);
  const shown = (await page.locator("dl.facts dd").first().innerText()).replace(/\D/g, "");
  assert.ok(shown.endsWith(phone.slice(1)), `the caller's number is shown, not ${shown}`);
  await visit(page, "desk-caller");

  // A new case for this caller: the phone is carried over.
  assert.equal(await submit(page, "main form[action='/desk/new'] button[type=submit]"), 200);
  await visit(page, "desk-new-choose");
  await page.selectOption("#f-category", "1999-G02");
  assert.equal(await submit(page, "main form button[type=submit]"), 200);
  assert.ok((await page.inputValue("#f-phone")).endsWith(phone.slice(1)), "the caller's number is carried over");
  await page.fill("#f-name", t("王先生", "Mr Wang"));
  await page.selectOption("#f-district", "106");
  await page.fill("#f-address", t("大安森林公園溜冰場旁", "Daan Forest Park, by the skating rink"));
  await page.fill("#f-description", t("溜滑梯有一片木板斷裂，小孩可能受傷。", "A board of the slide is broken; children could be hurt."));
  await visit(page, "desk-new-form");
  let status = await submit(page, "main form button[name=step][value=file]");
  if (!page.url().includes("/desk/filed")) {
    // The desk found open cases nearby: the agent reviews them, then files anyway.
    assert.ok(await page.locator("#dup-title, .emergency").count(), "a review, not a silent 200");
    await visit(page, "desk-new-review");
    status = await submit(page, "main form button[name=step][value=confirm]");
  }
  assert.equal(status, 200);
  assert.ok(page.url().includes("/desk/filed?s="), `the confirmation, not ${page.url()}`);
  const codes = page.locator(".facts .big-code");
  const number = (await codes.nth(0).innerText()).trim();
  assert.match(number, /^\d{6,}/, `a case number, not "${number}"`);
  // Reloading the confirmation shows it again and files nothing more.
  await page.reload();
  assert.equal((await page.locator(".facts .big-code").nth(0).innerText()).trim(), number);
  assert.ok((await codes.nth(1).innerText()).trim().length >= 4, "the case password is shown to read out");
  await visit(page, "desk-filed");

  // The caller's history now has the case.
  await page.goto("/desk");
  await page.fill("#f-phone", phone);
  await page.fill("#f-reason", t("確認案件", "Confirming the case"));
  assert.equal(await submit(page, "form[action='/desk/caller'] button[type=submit]"), 200);
  assert.ok((await page.locator("main table").first().innerText()).includes(number), "the caller's cases list it");

  // A call that needed no case: a question answered on the phone.
  await page.goto("/desk");
  await page.fill("#f-c-phone", uniquePhone());
  await page.check("#f-c-type-1"); // consult
  await page.fill("#f-c-summary", t("詢問垃圾車時間，已告知。", "Asked for the rubbish truck times; told."));
  assert.equal(await submit(page, "form[action='/desk/contacts'] button[type=submit]"), 201);
  assert.match(await page.locator(".status-message").innerText(), new RegExp(t("已登錄", "logged")));
  await visit(page, "desk-contact-logged");

  // The knowledge base, searched with a GET form.
  await page.fill("#f-answers-q", topic);
  await Promise.all([page.waitForURL(/\/desk\/answers\?q=/), page.press("#f-answers-q", "Enter")]);
  const found = page.locator("main article.answer h2");
  assert.equal(await found.count(), 1, "the answer is found");
  assert.equal((await found.innerText()).trim(), topic);
  await visit(page, "desk-answers");

  // The out-call queue.
  await page.goto("/desk");
  await page.locator("main a[href='/desk/outcalls']").click();
  await page.waitForURL((u) => u.pathname === "/desk/outcalls");
  await visit(page, "desk-outcalls");
});

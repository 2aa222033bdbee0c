// A citizen signs up with the code sent by e-mail (which signs them in: no second typing of the
// password), reports a problem and finds it under "my cases"; later resets the forgotten
// password with a code.

"use strict";

const assert = require("node:assert/strict");
const { eachLanguage } = require("../lib/harness");
const { submit } = require("../lib/actions");
const { asColleague } = require("../lib/staff");
const { PASSWORD, signUp, signOut } = require("../lib/citizen");
const NEW_PASSWORD = "Harbour-Kite-Orchid-7";

eachLanguage("a citizen signs up with the e-mailed code, is signed in and sees the case in my cases", async (ctx) => {
  const { page, t, visit } = ctx;
  await signUp(page, ctx);
  await visit(page, "my-cases-empty");

  // The account page: the name, the sign-in name, and how sure the city is of who it is.
  await page.locator(".site-nav a[href='/account']").click();
  await page.waitForURL((u) => u.pathname === "/account");
  assert.match(await page.locator("dl.facts").innerText(), new RegExp(t("聯絡方式已確認", "Contact confirmed")));
  await visit(page, "my-account");

  // Mandates: one given to a named person without an account holds at once and is listed.
  await page.locator("main a[href='/account/mandates']").click();
  await page.waitForURL((u) => u.pathname === "/account/mandates");
  await visit(page, "mandates");
  await page.check("#f-theme-pick_up_documents");
  await page.fill("#f-agent_name", t("王大同", "Wang Da-tong"));
  await page.fill("#f-agent_id_last4", "6789");
  await page.fill("#f-agent_mobile", "0912345678");
  assert.equal(await submit(page, "main form[action='/account/mandates'] button[type=submit]"), 200);
  assert.match(await page.locator(".status-message").innerText(), /\S/, "the mandate is announced");
  assert.equal(await page.locator("section.mandate").count(), 1, "and listed");
  await visit(page, "mandates-given", { again: true });

  // A report made while signed in belongs to the account.
  await page.goto("/report/1999-R01");
  await page.locator("#f-attr-size input[type=radio]").nth(1).check();
  await page.fill("#f-address", t("忠孝東路四段100號", "No. 100, Sec. 4, Zhongxiao E. Rd."));
  await page.fill("#f-description", t("機車道上有坑洞", "A pothole in the scooter lane"));
  await page.check("#f-notify-none");
  await page.check("#f-consent");
  assert.equal(await submit(page, "main form button[type=submit]"), 200);
  const number = (await page.locator(".facts .big-code").first().innerText()).trim();

  await page.locator(".site-nav a[href='/my/cases']").click();
  await page.waitForURL((u) => u.pathname === "/my/cases");
  const rows = page.locator("main table tbody tr");
  assert.equal(await rows.count(), 1);
  assert.equal((await rows.first().locator("th").innerText()).trim(), number);
  assert.ok((await rows.first().locator("time").count()) >= 1, "the date of the request is shown");
  await visit(page, "my-cases");

  // Consent: the use of her data that needs it is explained; she gives it for 90 days, keeps
  // the receipt, and withdraws it.
  await page.goto("/account");
  await page.locator("main a[href='/account/consents']").click();
  await page.waitForURL((u) => u.pathname === "/account/consents");
  await visit(page, "consents");
  await page.check("#f-days-identity-mydata-prefill-90");
  assert.equal(await submit(page, "section.consent form[action='/account/consents'] button[type=submit]"), 200);
  assert.match(await page.locator(".status-message").innerText(), new RegExp(t("已記錄您的同意", "Your consent is recorded")));
  const [receipt] = await Promise.all([
    page.waitForEvent("download"),
    page.locator("section.consent a[href$='/receipt']").first().click(),
  ]);
  const record = JSON.parse(require("node:fs").readFileSync(await receipt.path(), "utf8"));
  assert.equal(record.schema_version, "ISO/IEC TS 27560:2023");
  assert.equal(record.state, "active");
  await visit(page, "consents-given", { again: true });
  assert.equal(await submit(page, "section.consent form[action$='/withdraw'] button[type=submit]"), 200);
  assert.match(await page.locator(".status-message").innerText(), new RegExp(t("已撤回同意", "Your consent is withdrawn")));
  assert.match(await page.locator("main table").innerText(), new RegExp(t("已撤回", "Withdrawn")));

  // My data: the report is there, named in words, and the whole of it downloads as a ZIP.
  await page.goto("/account");
  await page.locator("main a[href='/account/data']").click();
  await page.waitForURL((u) => u.pathname === "/account/data");
  assert.match(await page.locator("#set-cases-reports").innerText(), new RegExp(number));
  await visit(page, "my-data");
  const [zip] = await Promise.all([
    page.waitForEvent("download"),
    page.locator("main a[href='/account/data/download']").click(),
  ]);
  assert.match(zip.suggestedFilename(), /^my-data-\d{4}-\d{2}-\d{2}\.zip$/);
  const bytes = require("node:fs").readFileSync(await zip.path());
  assert.equal(bytes.subarray(0, 4).toString("binary"), "PK\x03\x04", "a ZIP archive");

  // A request to correct her data: filed from my data, listed there with the date it is due.
  await page.locator("main a[href='/account/data/requests']").click();
  await page.waitForURL((u) => u.pathname === "/account/data/requests");
  await visit(page, "data-request");
  await page.check("#f-kind-correct");
  await page.fill("#f-details", t(`案件 ${number} 的地址少了巷弄`, `The address of case ${number} lacks the lane`));
  assert.equal(await submit(page, "main form button[type=submit]"), 200);
  assert.equal(new URL(page.url()).pathname, "/account/data");
  assert.match(await page.locator(".status-message").innerText(), new RegExp(t("已收到您的請求", "Your request is received")));
  const requests = await page.locator("#set-cases-data-requests").innerText();
  assert.match(requests, new RegExp(t("答覆期限", "Answer due by")));
  await visit(page, "my-data-request-filed", { again: true });
  const request = (await page.locator("#set-cases-data-requests tbody tr, #set-cases-data-requests dd").first().innerText()).trim();
  assert.match(request, /^\d{13}$/, `the request's case number: ${request}`);

  // The one who answers such requests extends the deadline once, saying why, then answers.
  await asColleague(page, "privacy", async (p) => {
    await p.goto(`/work/cases/${request}`);
    await p.locator("#a-extend_deadline summary").click();
    await p.fill("#f-extend-deadline-reason", t("需向區公所調閱紙本紀錄", "The paper records must come from the district office"));
    assert.equal(await submit(p, "form:has(input[name=action][value=extend_deadline]) button[type=submit]"), 200);
    await p.goto(`/work/cases/${request}`);
    // (The colleague's own browser keeps its own language.)
    assert.match(await p.locator("main").innerText(), /延長答覆期限|Deadline extended/, "the extension is in the timeline");
    assert.equal(await p.locator("#a-extend_deadline").count(), 0, "extended once: no longer offered");
    assert.equal(await submit(p, "form:has(input[name=action][value=acknowledge]) button[type=submit]"), 200);
    await p.goto(`/work/cases/${request}`);
    await p.locator("#a-resolve summary").click();
    await p.locator("#f-resolve-outcome input[type=radio]").first().check();
    await p.fill("#f-resolve-note", t("已更正地址。", "The address is corrected."));
    assert.equal(await submit(p, "form:has(input[name=action][value=resolve]) button[type=submit]"), 200);
  });
  await page.reload();
  const answered = await page.locator("#set-cases-data-requests").innerText();
  assert.ok(answered.includes(t("需向區公所調閱紙本紀錄", "The paper records must come from the district office")), answered);
  assert.match(answered, new RegExp(t("已完成", "Resolved|Done|Completed")));

  // Signing out ends the session: my cases asks to sign in again.
  await signOut(page);
  await page.goto("/my/cases");
  assert.equal(new URL(page.url()).pathname, "/sign-in");
});

eachLanguage("a citizen resets a forgotten password with the e-mailed code", async (ctx) => {
  const { page, server, visit } = ctx;
  const login = await signUp(page, { ...ctx, visit: null });
  await signOut(page);
  await page.goto("/sign-in");
  await visit(page, "sign-in");
  await page.locator("main a[href='/reset']").click();
  await page.waitForURL((u) => u.pathname === "/reset");
  await visit(page, "reset");
  await page.fill("#f-login", login);
  const skip = server.mail.count(login);
  assert.equal(await submit(page, "main form button[type=submit]"), 200);
  assert.equal(new URL(page.url()).pathname, "/reset/confirm");
  await visit(page, "reset-confirm");

  // A wrong code is refused beside the field, the entered login kept.
  await page.fill("#f-code", "000000");
  await page.fill("#f-password", NEW_PASSWORD);
  assert.equal(await submit(page, "main form button[type=submit]"), 400);
  assert.equal(await page.locator(".error-summary a[href='#f-code']").count(), 1);
  assert.equal(await page.inputValue("#f-login"), login);
  await visit(page, "reset-refused");

  const code = await server.mail.code(login, { skip });
  await page.fill("#f-code", code);
  await page.fill("#f-password", NEW_PASSWORD);
  assert.equal(await submit(page, "main form button[type=submit]"), 200);
  assert.equal(await page.inputValue("#f-login"), login);
  // The old password no longer works; the new one does.
  await page.fill("#f-password", PASSWORD);
  assert.equal(await submit(page, "main form button[type=submit]"), 400);
  await page.fill("#f-password", NEW_PASSWORD);
  assert.equal(await submit(page, "main form button[type=submit]"), 200);
  assert.equal(new URL(page.url()).pathname, "/my/cases");
});

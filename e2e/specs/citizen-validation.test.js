// Refused forms: status 400, the form again with what was entered, an error summary that takes
// focus and whose links move focus to the fields, and each message beside (and tied to) its field.

"use strict";

const assert = require("node:assert/strict");
const { eachLanguage } = require("../lib/harness");
const { submit } = require("../lib/actions");
const { checkErrorSummary } = require("../lib/checks");

eachLanguage("an empty report is refused with an error summary that leads to each field", async ({ page, t, visit }) => {
  await page.goto("/report/1999-L01");
  await page.fill("#f-description", t("路燈不亮", "The light is out"));
  assert.equal(await submit(page, "main form button[type=submit]"), 400);
  await checkErrorSummary(page, ["f-attr-lamps_out", "f-address", "f-consent"], t);
  // What was entered is kept.
  assert.equal(await page.inputValue("#f-description"), t("路燈不亮", "The light is out"));
  await visit(page, "report-errors");
});

eachLanguage("a required choice and a missing e-mail address are refused beside the fields", async ({ page, t, visit }) => {
  await page.goto("/report/1999-T01");
  await page.fill("#f-address", t("中山北路一段1號", "No. 1, Sec. 1, Zhongshan N. Rd."));
  await page.check("#f-notify-email");
  await page.check("#f-consent");
  assert.equal(await submit(page, "main form button[type=submit]"), 400);
  await checkErrorSummary(page, ["f-attr-signal_state", "f-email"], t);
  assert.ok(await page.isChecked("#f-consent"), "the consent is kept");
  await visit(page, "report-errors-choice");
});

for (const [path, name, fields] of [
  ["/track", "track-errors", ["f-number", "f-password"]],
  ["/sign-in", "sign-in-errors", ["f-login"]],
  ["/sign-up", "sign-up-errors", ["f-login"]],
  ["/reset", "reset-errors", ["f-login"]],
]) {
  eachLanguage(`an empty form at ${path} is refused with an error summary`, async ({ page, t, visit }) => {
    await page.goto(path);
    assert.equal(await submit(page, "main form button[type=submit]"), 400);
    await checkErrorSummary(page, fields, t);
    await visit(page, name);
  });
}

// Refused forms: status 400, the form again with what was entered, an error summary that takes
// focus and whose links move focus to the fields, and each message beside (and tied to) its field.

"use strict";

const assert = require("node:assert/strict");
const { eachLanguage } = require("../lib/harness");
const { submit } = require("../lib/actions");

/**
 * Checks the error summary of a refused form: it has focus, it links to `fields` (ids), each
 * link moves focus to its field, and each field shows its message tied to it with
 * aria-describedby and aria-invalid.
 */
async function checkErrorSummary(page, fields, t) {
  assert.match(await page.title(), new RegExp(`^${t("錯誤", "Error")}`), "the title says there is an error");
  const summary = page.locator(".error-summary");
  assert.equal(await summary.count(), 1, "one error summary");
  assert.ok(
    await page.evaluate(() => document.activeElement && document.activeElement.classList.contains("error-summary")),
    "the error summary has focus",
  );
  const hrefs = await summary.locator("a").evaluateAll((as) => as.map((a) => a.getAttribute("href")));
  for (const f of fields) assert.ok(hrefs.includes(`#${f}`), `the summary links to #${f}: ${hrefs}`);
  const inPageOrder = await page.evaluate((hrefs) => {
    const els = hrefs.map((h) => document.getElementById(h.slice(1)));
    return els.every((el, i) => i === 0 || els[i - 1].compareDocumentPosition(el) & Node.DOCUMENT_POSITION_FOLLOWING);
  }, hrefs);
  assert.ok(inPageOrder, `the summary lists the fields in the order of the form: ${hrefs}`);
  for (const href of hrefs) {
    const id = href.slice(1);
    const text = (await summary.locator(`a[href="${href}"]`).innerText()).trim();
    await summary.locator(`a[href="${href}"]`).click();
    const focused = await page.evaluate(() => document.activeElement && document.activeElement.id);
    assert.equal(focused, id, `the link to ${href} moves focus to the field`);
    // The message is beside the field and is the field's description; the field is invalid.
    const tie = await page.evaluate((id) => {
      const el = document.getElementById(id);
      const control = el.matches("input, select, textarea") ? el : el.querySelector("input, select, textarea");
      // A group (fieldset) carries the description; its choices carry aria-invalid.
      const described = `${el.getAttribute("aria-describedby") || ""} ${control.getAttribute("aria-describedby") || ""}`
        .split(/\s+/)
        .map((d) => document.getElementById(d))
        .filter(Boolean)
        .map((d) => d.textContent.trim());
      return {
        invalid: control.getAttribute("aria-invalid"),
        described,
        inField: !!el.closest(".field.invalid") || el.classList.contains("invalid"),
      };
    }, id);
    assert.ok(tie.inField, `#${id} is marked invalid`);
    assert.equal(tie.invalid, "true", `#${id} (or its first control) has aria-invalid="true"`);
    assert.ok(
      tie.described.some((d) => d.includes(text.replace(/^⚠\s*/, ""))),
      `#${id} is described by its message "${text}": ${JSON.stringify(tie.described)}`,
    );
  }
}

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

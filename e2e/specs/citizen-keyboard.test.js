// The citizen's report journey with the keyboard only: Tab, Shift+Tab, Space, Enter, arrow keys
// and typing. No click, no fill: the page is only read, to know where focus is. After every Tab
// the focused element must show a focus indicator.

"use strict";

const assert = require("node:assert/strict");
const { eachLanguage } = require("../lib/harness");
const { enterAndWait, tabTo } = require("../lib/actions");
const { assertFocusVisible } = require("../lib/checks");

const active = (page, selector) =>
  page.evaluate((s) => document.activeElement && document.activeElement.matches(s), selector);

eachLanguage("keyboard only: skip link, choose a category, report and track", async ({ page, t, lang }) => {
  await page.goto("/");

  // The first Tab reaches the skip link, shown on screen; Enter moves focus to the content.
  await page.keyboard.press("Tab");
  const skip = await assertFocusVisible(page);
  assert.ok(await active(page, "a.skip"), `the first Tab reaches the skip link, not ${skip.describe}`);
  const box = await page.locator("a.skip").boundingBox();
  assert.ok(box && box.y >= 0 && box.height > 0, "the focused skip link is on screen");
  await page.keyboard.press("Enter");
  assert.ok(await active(page, "main#main"), "the skip link moves focus to <main>");
  // The next Tab is inside the content: the hero's "report" button, not the header.
  await page.keyboard.press("Tab");
  await assertFocusVisible(page);
  assert.ok(await active(page, "main a[href='/report']"), "after the skip link, Tab goes to the content");
  assert.equal(await enterAndWait(page), 200);

  // Search for the category by typing; Enter submits the search.
  await tabTo(page, "#f-q");
  await page.keyboard.type(t("紅綠燈", "traffic light"));
  assert.equal(await enterAndWait(page), 200);
  await tabTo(page, "#categories a[href='/report/1999-T01']");
  assert.equal(await enterAndWait(page), 200);

  // A required single choice: Tab into the group, Space picks, arrows move the choice.
  await tabTo(page, "#f-attr-signal_state input[type=radio]");
  await page.keyboard.press("Space");
  await page.keyboard.press("ArrowDown");
  assert.equal(await page.locator("#f-attr-signal_state input:checked").getAttribute("value"), "stuck");

  // The district with arrow keys on the closed list; address and description by typing.
  await tabTo(page, "#f-district");
  await page.keyboard.press("ArrowDown");
  await page.keyboard.press("ArrowDown");
  assert.notEqual(await page.inputValue("#f-district"), "", "the arrows choose a district");
  await tabTo(page, "#f-address");
  await page.keyboard.type(t("中山北路一段與南京東路口", "Zhongshan N. Rd. at Nanjing E. Rd."));
  await tabTo(page, "#f-description");
  await page.keyboard.type(t("號誌一直停在紅燈", "The signal is stuck on red"));

  // Notifications by e-mail: the radio group, then the address.
  await tabTo(page, "input[name=notify]");
  await page.keyboard.press("Space");
  if (!(await page.isChecked("#f-notify-email"))) {
    // Focus entered the group on another choice: arrows to the e-mail one.
    for (let i = 0; i < 3 && !(await page.isChecked("#f-notify-email")); i++) await page.keyboard.press("ArrowUp");
  }
  assert.ok(await page.isChecked("#f-notify-email"));
  await tabTo(page, "#f-email");
  await page.keyboard.type(`keyboard-${lang.toLowerCase()}-${Date.now()}@example.com`);

  // Consent with Space; then Shift+Tab goes back and Tab forward again, focus always visible.
  await tabTo(page, "#f-consent");
  await page.keyboard.press("Space");
  assert.ok(await page.isChecked("#f-consent"));
  await tabTo(page, "#f-email", { back: true });
  await tabTo(page, "main form button[type=submit]");
  assert.equal(await enterAndWait(page), 200);
  const number = (await page.locator(".facts .big-code").nth(0).innerText()).trim();
  const password = (await page.locator(".facts .big-code").nth(1).innerText()).trim();

  // Track it: the number comes along, the password is typed, Enter submits.
  await tabTo(page, `main a[href="/track?number=${number}"]`);
  assert.equal(await enterAndWait(page), 200);
  await tabTo(page, "#f-password");
  await page.keyboard.type(password);
  assert.equal(await enterAndWait(page), 200);
  assert.ok((await page.locator("h1").innerText()).includes(number));
  assert.ok((await page.locator(".timeline li").count()) >= 1);
});

eachLanguage("keyboard only: the error summary's links lead to the fields", async ({ page }) => {
  await page.goto("/report/1999-L01");
  await tabTo(page, "main form button[type=submit]");
  assert.equal(await enterAndWait(page), 400);
  // The summary has focus; Tab reaches its first link, Enter moves focus to that field.
  assert.ok(await active(page, ".error-summary"), "the error summary has focus");
  await tabTo(page, ".error-summary a");
  const target = (await page.evaluate(() => document.activeElement.getAttribute("href"))).slice(1);
  await page.keyboard.press("Enter");
  assert.equal(await page.evaluate(() => document.activeElement.id), target);
  await assertFocusVisible(page);
});

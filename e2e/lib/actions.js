// What a user does that takes more than one Playwright call.

"use strict";

const assert = require("node:assert/strict");
const { assertFocusVisible, focusState } = require("./checks");

/**
 * Clicks `button` (a selector) to submit its form and waits for the page it leads to (after
 * any redirect); resolves with that page's HTTP status. The pages answer a refused form with
 * 400 and the form again, a done one with 303 to the next page: for something created, a
 * confirmation that a reload shows again (200).
 */
async function submit(page, button) {
  const [response] = await Promise.all([page.waitForNavigation(), page.locator(button).click()]);
  return response.status();
}

/**
 * Presses Tab (or Shift+Tab) until the focused element matches `selector`, asserting after
 * every press that focus is visible. Only the keyboard moves; the page is only read.
 */
async function tabTo(page, selector, { back = false, max = 80 } = {}) {
  for (let i = 0; i < max; i++) {
    await page.keyboard.press(back ? "Shift+Tab" : "Tab");
    await assertFocusVisible(page);
    if (await page.evaluate((s) => document.activeElement && document.activeElement.matches(s), selector)) {
      return;
    }
  }
  const f = await focusState(page);
  assert.fail(`${max} presses of Tab did not reach ${selector} (focus is on ${f.describe}) at ${page.url()}`);
}

/** Presses Enter on the focused element and waits for the page it leads to. */
async function enterAndWait(page, key = "Enter") {
  const [response] = await Promise.all([
    page.waitForNavigation(),
    page.keyboard.press(key),
  ]);
  return response ? response.status() : null;
}

module.exports = { enterAndWait, submit, tabTo };

// Every citizen page a journey does not reach by itself, checked as the journeys check theirs:
// language, axe, reflow at 320 px, text at 200%, screenshots.

"use strict";

const assert = require("node:assert/strict");
const { eachLanguage } = require("../lib/harness");

const PAGES = [
  // [path, screenshot name, expected status]
  ["/about", "about", 200],
  ["/report?q=zzzz-nothing", "report-search-none", 200],
  ["/report/1999-R01", "report-form-choices", 200],
  ["/sign-in/code", "sign-in-code", 200],
  ["/survey?token=not-a-token", "survey", 200],
  ["/no-such-page", "not-found", 404],
];

for (const [path, name, status] of PAGES) {
  eachLanguage(`the page ${path} passes the page checks`, async ({ page, visit }) => {
    const response = await page.goto(path);
    assert.equal(response.status(), status, `${path} answers ${status}`);
    assert.equal(await page.locator("h1").count(), 1, "one h1");
    await visit(page, name);
  });
}

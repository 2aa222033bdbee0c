// /api/docs, the API browser: Swagger UI over the OpenAPI document, with civicdesk's fixes
// (colours raised to 4.5:1, no link nested in an operation's button, the servers list named),
// passes axe as it opens and with an operation and its schemas open.

"use strict";

const assert = require("node:assert/strict");
const { eachLanguage } = require("../lib/harness");
const { checkA11y } = require("../lib/checks");

eachLanguage("the API browser lists the operations and passes axe", async ({ page }) => {
  await page.goto("/api/docs");
  await page.waitForSelector(".opblock");
  assert.ok((await page.locator(".opblock").count()) > 20, "the operations are listed");
  await checkA11y(page);
  await page.locator(".opblock-summary-control").first().click();
  await page.waitForSelector(".opblock-body");
  await checkA11y(page);
});

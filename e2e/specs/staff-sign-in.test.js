// Every demo staff account signs in through the sign-in page and lands on a staff tool; signing
// out ends the session. (The tools' own specs are staff-*.test.js, one per role.)

"use strict";

const assert = require("node:assert/strict");
const { eachLanguage } = require("../lib/harness");

const ROLES = ["agent", "dispatcher", "field", "supervisor", "admin"];
const TOOLS = ["/desk", "/work", "/field", "/supervise", "/admin"];

eachLanguage("each staff account signs in, lands on a staff tool and signs out", async ({ page, signIn, visit }) => {
  await page.goto("/sign-in");
  await visit(page, "sign-in");
  for (const role of ROLES) {
    const landed = await signIn(page, role);
    assert.ok(TOOLS.some((t) => landed.startsWith(t)), `${role} lands on a staff tool, not ${landed}`);
    await page.goto("/about");
    const signOut = page.locator(".site-tools form[action='/sign-out'] button");
    assert.equal(await signOut.count(), 1, `${role} is signed in`);
    await signOut.click();
    await page.waitForURL((u) => u.pathname === "/");
    assert.equal(await page.locator(".site-tools form[action='/sign-out']").count(), 0, `${role} is signed out`);
  }
});

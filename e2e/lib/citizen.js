// A citizen's own steps through the pages, shared by the specs that need a citizen account.

"use strict";

const assert = require("node:assert/strict");
const { submit } = require("./actions");

const PASSWORD = "Lantern-Teapot-2026";

/** Signs a new citizen up through the pages; resolves with the login (an e-mail address). */
async function signUp(page, { lang, t, server, visit }) {
  const login = `citizen-${lang.toLowerCase()}-${Date.now()}@example.com`;
  await page.goto("/");
  await page.locator("main a[href='/sign-up']").click();
  await page.waitForURL((u) => u.pathname === "/sign-up");
  visit && (await visit(page, "sign-up"));
  await page.fill("#f-name", t("陳淑芬", "Chen Shu-fen"));
  await page.fill("#f-login", login);
  await page.fill("#f-password", PASSWORD);
  const skip = server.mail.count(login);
  assert.equal(await submit(page, "main form button[type=submit]"), 200);
  assert.equal(new URL(page.url()).pathname, "/sign-up/verify");
  assert.equal(await page.inputValue("#f-login"), login);
  visit && (await visit(page, "sign-up-verify"));
  const code = await server.mail.code(login, { skip });
  await page.fill("#f-code", code);
  assert.equal(await submit(page, "main form button[type=submit]"), 200);
  // Verified and signed in at once: my cases, with a notice.
  assert.equal(new URL(page.url()).pathname, "/my/cases");
  assert.match(await page.locator(".status-message[role=status]").innerText(), /\S/, "the activation is announced");
  return login;
}

/** Signs out through the header. */
async function signOut(page) {
  await page.locator(".site-tools form button").click();
  await page.waitForURL((u) => u.pathname === "/");
}

module.exports = { PASSWORD, signUp, signOut };

// Passkeys with Chromium's virtual authenticator (the DevTools protocol's WebAuthn domain): a
// citizen adds one and then signs in with it alone, without a password, and removes it; a staff
// member adds one and it becomes the second step after their password. The server is reached
// as localhost: WebAuthn needs a host name, not an IP address.

"use strict";

const assert = require("node:assert/strict");
const { configureServer, eachLanguage } = require("../lib/harness");
const { submit } = require("../lib/actions");
const { signUp, signOut } = require("../lib/citizen");

configureServer(async () => ({ host: "localhost" }));

/** A platform authenticator that holds discoverable credentials and verifies its user. */
async function virtualAuthenticator(context, page) {
  const cdp = await context.newCDPSession(page);
  await cdp.send("WebAuthn.enable");
  const { authenticatorId } = await cdp.send("WebAuthn.addVirtualAuthenticator", {
    options: {
      protocol: "ctap2",
      transport: "internal",
      hasResidentKey: true,
      hasUserVerification: true,
      isUserVerified: true,
      automaticPresenceSimulation: true,
    },
  });
  return {
    async credentials() {
      return (await cdp.send("WebAuthn.getCredentials", { authenticatorId })).credentials;
    },
  };
}

eachLanguage("a citizen adds a passkey, signs in with it alone, and removes it", async (ctx) => {
  const { page, context, t, visit } = ctx;
  const authenticator = await virtualAuthenticator(context, page);
  await signUp(page, ctx);

  await page.goto("/account");
  await page.locator("main a[href='/account/passkeys']").click();
  await page.waitForURL((u) => u.pathname === "/account/passkeys");
  assert.ok(await page.locator("#f-passkey-name").isVisible(), "the form is shown where passkeys work");
  await visit(page, "passkeys");

  // A name first: without one, nothing is made.
  await page.locator("form[data-passkey] button[type=submit]").click();
  await page.locator("[data-passkey-error]").waitFor({ state: "visible" });
  assert.match(await page.locator("[data-passkey-error]").innerText(), new RegExp(t("名稱", "name")));
  assert.equal((await authenticator.credentials()).length, 0);

  const name = t("我的手機", "My phone");
  await page.fill("#f-passkey-name", name);
  await Promise.all([
    page.waitForURL((u) => u.search === "?done=added"),
    page.locator("form[data-passkey] button[type=submit]").click(),
  ]);
  assert.equal((await authenticator.credentials()).length, 1, "the authenticator holds it");
  assert.ok((await page.locator("main table").innerText()).includes(name));
  await visit(page, "passkeys-added", { again: true });

  // Signed out, the passkey alone signs in: no name, no password.
  await signOut(page);
  await page.goto("/sign-in");
  const button = page.locator("form[action='/sign-in/passkey'] button");
  assert.equal((await button.innerText()).trim(), t("用通行密鑰登入", "Sign in with a passkey"));
  await visit(page, "sign-in-with-passkey");
  await Promise.all([page.waitForURL((u) => !u.pathname.startsWith("/sign-in")), button.click()]);
  assert.equal(new URL(page.url()).pathname, "/my/cases");
  assert.ok(await page.locator(".site-tools form[action='/sign-out']").isVisible(), "signed in");

  // Removed, it signs in no more.
  await page.goto("/account/passkeys");
  assert.equal(await submit(page, "main form[action$='/revoke'] button"), 200);
  assert.equal(new URL(page.url()).search, "?done=revoked");
  await signOut(page);
  await page.goto("/sign-in");
  await page.locator("form[action='/sign-in/passkey'] button").click();
  await page.waitForURL((u) => u.pathname === "/sign-in/passkey");
  assert.match(await page.locator(".error-summary").innerText(), new RegExp(t("通行密鑰", "passkey")));
});

eachLanguage("a staff member's passkey becomes the second step after the password", async (ctx) => {
  const { page, context, lang, t, server, signIn, visit } = ctx;
  await virtualAuthenticator(context, page);
  // One account per language: each run has its own authenticator.
  const role = lang === "en" ? "agent" : "dispatcher";
  await signIn(page, role);
  await page.locator(".site-nav a[href='/account/passkeys']").click();
  await page.waitForURL((u) => u.pathname === "/account/passkeys");
  await page.fill("#f-passkey-name", "YubiKey");
  await Promise.all([
    page.waitForURL((u) => u.search === "?done=added"),
    page.locator("form[data-passkey] button[type=submit]").click(),
  ]);
  await page.locator(".site-tools form button").click();
  await page.waitForURL((u) => u.pathname === "/");

  // The password now leads to the second step, which the passkey completes.
  const account = server.staff[role];
  await page.goto("/sign-in");
  await page.fill("#f-login", account.login);
  await page.fill("#f-password", account.password);
  await Promise.all([page.waitForURL((u) => u.pathname === "/sign-in/code"), page.click("main form button[type=submit]")]);
  const second = page.locator("form[action='/sign-in/code/passkey'] button");
  assert.equal((await second.innerText()).trim(), t("使用您的通行密鑰", "Use your passkey"));
  await visit(page, "sign-in-code-passkey");
  await Promise.all([page.waitForURL((u) => !u.pathname.startsWith("/sign-in")), second.click()]);
  assert.ok(await page.locator(".site-tools form[action='/sign-out']").isVisible(), "signed in fully");
});

// A citizen signs in through the city's login: civicdesk's sign-in page sends them to a
// certified OpenID provider (oidc-provider, on a loopback port), they sign in and consent there,
// and come back signed in, to an account of their own whose contact the provider vouched for.

"use strict";

const assert = require("node:assert/strict");
const { after } = require("node:test");
const { configureServer, eachLanguage } = require("../lib/harness");
const { startOidcProvider } = require("../lib/oidc");

let op;
configureServer(async () => {
  op = await startOidcProvider();
  return {
    config: [
      "[[login_providers]]",
      'id = "city"',
      'jurisdiction = "taipei.gov.tw"',
      'name_zh = "臺北市政府"',
      'name_en = "Taipei City Government"',
      'protocol = "oidc"',
      `issuer = "${op.issuer}"`,
      `client_id = "${op.clientId}"`,
      `client_secret = "${op.clientSecret}"`,
      'scopes = ["openid", "email", "profile"]',
      "",
    ].join("\n"),
  };
});
after(() => op && op.close());

eachLanguage("a citizen signs in through the city's OpenID provider and has an account", async ({ page, lang, t, visit }) => {
  await page.goto("/sign-in");
  const button = page.locator("main .city-login a");
  assert.equal((await button.innerText()).trim(), t("使用臺北市政府登入", "Sign in with Taipei City Government"));
  await visit(page, "sign-in-with-city-login");

  // At the provider: its own sign-in page, then its consent page.
  await button.click();
  await page.waitForURL((u) => u.href.startsWith(op.issuer));
  const person = `citizen-${lang.toLowerCase()}-${Date.now()}`;
  await page.fill("input[name=login]", person);
  await page.fill("input[name=password]", "any password the provider's dev pages accept");
  await Promise.all([page.waitForURL((u) => u.href.startsWith(op.issuer)), page.click("button[type=submit]")]);
  await Promise.all([
    page.waitForURL((u) => !u.href.startsWith(op.issuer)),
    page.click("button.login-submit"),
  ]);

  // Back at civicdesk, signed in: the citizen's start page.
  await page.waitForURL((u) => u.pathname === "/my/cases");
  await page.locator(".site-nav a[href='/account']").click();
  await page.waitForURL((u) => u.pathname === "/account");
  const facts = await page.locator("dl.facts").innerText();
  assert.ok(facts.includes(`${person}@example.tw`), `the vouched address is the sign-in name: ${facts}`);
  assert.ok(facts.includes(t("聯絡方式已確認", "Contact confirmed")), facts);
  await visit(page, "my-account-city-login", { again: true });
});

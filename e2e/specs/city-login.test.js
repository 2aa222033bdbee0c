// A citizen signs in through the city's login: civicdesk's sign-in page sends them to a
// certified OpenID provider (oidc-provider, on a loopback port), they sign in and consent there,
// and come back signed in, to an account of their own whose contact the provider vouched for.
// Later, downloading all their data needs their real name proved: they step up through the
// same provider once it has verified them, and come back to the download.

"use strict";

const assert = require("node:assert/strict");
const { after } = require("node:test");
const { configureServer, eachLanguage } = require("../lib/harness");
const { startOidcProvider } = require("../lib/oidc");
const { freePort } = require("../lib/server");

let op;
configureServer(async () => {
  // The demo's port is chosen first: the provider must know where sign-out comes back to.
  const port = await freePort();
  op = await startOidcProvider({ postLogoutRedirectUris: [`http://127.0.0.1:${port}/`] });
  return {
    port,
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
      "[login_providers.claims]",
      'subject = "/sub"',
      'name = "/name"',
      'email = "/email"',
      'email_verified = "/email_verified"',
      'verify_level = "/verify_level"',
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

/** Signs in at the provider's development pages (login, then consent, when it asks). */
async function atProvider(page, person) {
  await page.waitForURL((u) => u.href.startsWith(op.issuer));
  if (await page.locator("input[name=login]").count()) {
    await page.fill("input[name=login]", person);
    await page.fill("input[name=password]", "any password the provider's dev pages accept");
    await Promise.all([page.waitForURL((u) => u.href.startsWith(op.issuer)), page.click("button[type=submit]")]);
  }
  await Promise.all([page.waitForURL((u) => !u.href.startsWith(op.issuer)), page.click("button.login-submit")]);
}

eachLanguage("downloading all one's data steps up through the city login to a proved real name", async ({ page, lang, t, visit }) => {
  const person = `stepper-${lang.toLowerCase()}-${Date.now()}`;
  await page.goto("/sign-in");
  await page.locator("main .city-login a").click();
  await atProvider(page, person);
  await page.waitForURL((u) => u.pathname === "/my/cases");

  // Contact confirmed only: the download asks for a real name first.
  await page.goto("/account/data");
  await page.locator("main a[href='/account/data/download']").click();
  await page.waitForURL((u) => u.pathname === "/account/step-up");
  await visit(page, "step-up");

  // Not yet verified at the provider: back on my data, it says the login proved nothing.
  await page.locator("main form[action='/account/link/city'] button").click();
  await atProvider(page, person);
  await page.waitForURL((u) => u.pathname === "/account/data");
  assert.match(await page.locator(".notice.danger").innerText(), new RegExp(t("沒有確認您的真實姓名", "did not prove your real name")));

  // Verified at the city's counter since: the step up proves the name and the download opens.
  op.setLevel(person, 1);
  await page.locator("main a[href='/account/data/download']").click();
  await page.waitForURL((u) => u.pathname === "/account/step-up");
  await page.locator("main form[action='/account/link/city'] button").click();
  await atProvider(page, person);
  await page.waitForURL((u) => u.pathname === "/account/data");
  assert.match(await page.locator(".status-message").innerText(), new RegExp(t("已確認您的真實姓名", "Your real name is proved")));
  await visit(page, "my-data-stepped-up");
  const [zip] = await Promise.all([
    page.waitForEvent("download"),
    page.locator("main a[href='/account/data/download']").click(),
  ]);
  assert.match(zip.suggestedFilename(), /^my-data-.*\.zip$/);
  await page.goto("/account");
  assert.match(await page.locator("dl.facts").innerText(), new RegExp(t("真實姓名已確認", "Real name")));
});

eachLanguage("signing out of civicdesk signs out of the city's login too", async ({ page, lang, t, server }) => {
  const person = `leaver-${lang.toLowerCase()}-${Date.now()}`;
  await page.goto("/sign-in");
  await page.locator("main .city-login a").click();
  await atProvider(page, person);
  await page.waitForURL((u) => u.pathname === "/my/cases");

  // Signing out passes by the provider, which asks, ends its session and sends the browser home.
  await Promise.all([
    page.waitForURL((u) => u.href.startsWith(op.issuer)),
    page.locator(".site-tools form[action='/sign-out'] button").click(),
  ]);
  await Promise.all([
    page.waitForURL((u) => u.href === `${server.baseURL}/`),
    page.locator("button[name=logout][value=yes], button[value=yes]").first().click(),
  ]);
  assert.equal(await page.locator(".site-tools a[href='/sign-in']").count(), 1, "signed out here");

  // The provider forgot the person too: the next city login asks them to sign in there again.
  await page.goto("/sign-in");
  await page.locator("main .city-login a").click();
  await page.waitForURL((u) => u.href.startsWith(op.issuer));
  assert.equal(await page.locator("input[name=login]").count(), 1, t("供應者要求重新登入", "the provider asks again"));
});

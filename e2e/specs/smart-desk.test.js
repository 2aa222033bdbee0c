// The Smart Desk story (issue 20), in both languages, against `civicdesk demo` with the city's
// OpenID provider (oidc-provider, for a proved real name), the ECPay cashier simulator the demo
// runs, a test SMS gateway (a real HTTP server speaking civicdesk's signed protocol) and the
// demo's kiosk, which signs its device API requests in the browser:
//   1. a citizen applies online with a verified identity;
//   2. the clerk asks for a correction, which the citizen makes;
//   3. the fee is paid through the payment simulator;
//   4. the clerk approves and loads a locker door;
//   5. the SMS with the code arrives;
//   6. the kiosk opens the door with the code;
//   7. the pickup is recorded and the applicant told.
// A second run: an agent collects with their own code; an item moved from its locker to the
// counter is handed over there; a clerk books a phone caller a time and checks them in.

"use strict";

const assert = require("node:assert/strict");
const { after } = require("node:test");
const { configureServer, eachLanguage } = require("../lib/harness");
const { startOidcProvider } = require("../lib/oidc");
const { startSmsGateway } = require("../lib/sms");
const { freePort } = require("../lib/server");
const { submit } = require("../lib/actions");
const { png } = require("../lib/images");

const TRANSCRIPT = "hr-transcript-current-full";
const SENIOR_CARD = "welfare-senior-card";

let op;
let sms;
configureServer(async () => {
  const port = await freePort();
  op = await startOidcProvider({ postLogoutRedirectUris: [`http://127.0.0.1:${port}/`] });
  sms = await startSmsGateway();
  return {
    port,
    env: { CIVICDESK_SMS_URL: sms.url, CIVICDESK_SMS_SECRET: sms.secret },
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
after(async () => {
  if (op) await op.close();
  if (sms) await sms.close();
});

/** Runs `fn` with the demo's clerk signed in, in a browser of their own in the test's language. */
async function asColleague(page, role, lang, fn) {
  const { demo, signIn } = require("../lib/harness");
  const context = await page.context().browser().newContext({
    baseURL: demo().baseURL,
    locale: lang,
    extraHTTPHeaders: { "Accept-Language": lang === "en" ? "en-GB,en;q=0.9" : "zh-TW,zh;q=0.9" },
    viewport: { width: 1280, height: 800 },
  });
  context.setDefaultTimeout(15000);
  try {
    const other = await context.newPage();
    await signIn(other, role);
    return await fn(other);
  } finally {
    await context.close();
  }
}

/** A citizen whose real name the city's provider has verified, signed in through it. */
async function signInVerified(page, person) {
  op.setLevel(person, 1);
  await page.goto("/sign-in");
  await page.locator("main .city-login a").click();
  await page.waitForURL((u) => u.href.startsWith(op.issuer));
  await page.fill("input[name=login]", person);
  await page.fill("input[name=password]", "any password the provider's dev pages accept");
  await Promise.all([page.waitForURL((u) => u.href.startsWith(op.issuer)), page.click("button[type=submit]")]);
  await Promise.all([page.waitForURL((u) => !u.href.startsWith(op.issuer)), page.click("button.login-submit")]);
}

/** Starts an application of `service` at the Civil Service Center with Smart Desk pickup. */
async function start(page, service, visit, name) {
  await page.goto(`/services/catalogue/${service}`);
  if (name) await visit(page, name);
  await page.check("#f-office-taitung-csc");
  await page.check("#f-pickup-locker");
  assert.equal(await submit(page, "main form[action$='/apply'] button[type=submit]"), 200);
  assert.match(new URL(page.url()).pathname, /^\/services\/applications\/[0-9a-f-]{36}$/);
  return new URL(page.url()).pathname.split("/").pop();
}

/** The number shown on an application's page. */
async function numberOf(page) {
  const facts = await page.locator("main dl.facts").first().innerText();
  return facts.match(/[A-Z]+-\d{8}-\d{4}/)[0];
}

/** The six-digit code in the newest SMS to `to` after `skip`. */
async function smsCode(to, skip) {
  const m = await sms.waitFor(to, { skip });
  const code = m.body.match(/(?<!\d)(\d{6})(?!\d)/);
  assert.ok(code, m.body);
  return code[1];
}

/** The kiosk in a browser of its own, set up from the demo's link; resolves with its page. */
async function kiosk(context, server, lang) {
  const k = await context.browser().newContext({
    baseURL: server.baseURL,
    locale: lang,
    viewport: { width: 1080, height: 1920 },
  });
  const page = await k.newPage();
  const link = new URL(server.kiosk.replace(/^https?:\/\/[^/]+/, server.baseURL));
  await page.goto(`${link.pathname}${lang === "en" ? "?lang=en" : ""}${link.hash}`);
  return page;
}

/** At the kiosk: the mobile and the code typed on its keypad, then "open". */
async function openWith(k, mobile, code) {
  await k.fill("#mobile", "");
  await k.fill("#code", "");
  await k.locator("#mobile").click();
  for (const d of mobile) await k.locator(`.keypad [data-key='${d}']`).click();
  await k.locator(".keypad [data-key='next']").click();
  for (const d of code) await k.locator(`.keypad [data-key='${d}']`).click();
  await k.locator("#by-code button[type=submit]").click();
  await k.waitForFunction(() => document.querySelector("#result").textContent.trim().length > 0);
  return k.locator("#result").innerText();
}

/** As the clerk: opens an application from the queue and takes an action. */
async function clerkAct(clerk, id, action, fill) {
  await clerk.goto(`/staff/counter/${id}`);
  if (fill) await fill(clerk);
  assert.equal(await submit(clerk, `main form[action$='/${action}'] button[type=submit]`), 200);
}

eachLanguage("an application goes from the form to the Smart Desk and is picked up with the SMS code", async (ctx) => {
  const { page, context, lang, t, server, visit } = ctx;
  const person = `applicant-${lang.toLowerCase()}-${Date.now()}`;
  const mobile = lang === "en" ? "0912000001" : "0912000002";
  const e164 = `+886${mobile.slice(1)}`;
  await signInVerified(page, person);

  // 1. Apply with the verified identity: the name is filled in from the city's login.
  await page.goto("/services");
  await visit(page, "counter-services");
  const id = await start(page, TRANSCRIPT, visit, "counter-service");
  assert.equal(await page.inputValue("#f-applicant_name"), "林美玲");
  await visit(page, "counter-draft");
  await page.fill("#f-applicant_id", "A123456789");
  await page.fill("#f-mobile", mobile);
  await page.check("#f-applies_for-self");
  await page.check("#f-record_notes-omitted");
  await page.check("#f-purpose-bank");
  await page.fill("#f-copies", "2");
  // Without the consent: refused, the box named.
  assert.equal(await submit(page, "main button[name=do][value=submit]"), 400);
  assert.ok(await page.locator(".error-summary a[href='#f-consent']").count());
  await visit(page, "counter-draft-refused", { again: true });
  await page.check("#f-consent");
  assert.equal(await submit(page, "main button[name=do][value=submit]"), 200);
  assert.match(await page.locator("main").innerText(), new RegExp(t("已送出申請", "Your application has been sent")));
  const number = await numberOf(page);

  // 2. A correction: the clerk asks, the citizen answers, the review goes on.
  await asColleague(page, "clerk", lang, async (clerk) => {
    await clerk.goto("/staff/counter");
    assert.ok((await clerk.locator("main table").innerText()).includes(number));
    await clerkAct(clerk, id, "request_correction", (c) => c.fill("#f-note-request_correction", "用途請改選「法院」 / Please choose court as the purpose"));
  });
  await page.reload();
  assert.match(await page.locator("main").innerText(), /法院/);
  await visit(page, "counter-correction");
  await page.check("#f-purpose-court");
  assert.equal(await submit(page, "main button[name=do][value=correct]"), 200);

  // 4a. Approved, and loaded into the first free door.
  let door;
  await asColleague(page, "clerk", lang, async (clerk) => {
    await clerkAct(clerk, id, "approve");
    await clerk.goto(`/staff/counter/${id}`);
    door = (await clerk.locator("main form[action$='/issue'] input[name=to]:checked + label").innerText()).match(/[A-C]-\d{2}/)[0];
    assert.equal(await submit(clerk, "main form[action$='/issue'] button[type=submit]"), 200);
  });

  // 3. The fee through the payment simulator's cashier.
  await page.reload();
  await visit(page, "counter-approved", { again: true });
  const sent = sms.count(e164);
  await Promise.all([page.waitForURL((u) => /\/pay\/[0-9a-f]+$/.test(u.pathname)), page.locator("main form[action$='/pay'] button").click()]);
  assert.ok((await page.locator("main").innerText()).includes("NT$30"));
  await Promise.all([page.waitForURL((u) => !u.href.startsWith(server.baseURL)), page.locator("main form[action$='/go'] button").click()]);
  await Promise.all([page.waitForNavigation(), page.locator("button[name=choice][value=pay]").click()]);
  await Promise.all([
    page.waitForURL((u) => u.href.startsWith(server.baseURL) && /\/pay\/[0-9a-f]+$/.test(u.pathname)),
    page.locator("form button[type=submit]").click(),
  ]);

  // 5. The SMS with the code (sent once the payment's notice settled the fee).
  const code = await smsCode(e164, sent);
  const text = sms.received.filter((m) => m.to === e164).pop().body;
  assert.ok(text.includes(door), text);

  // The applicant's page: where it waits and until when; a new code may be asked for.
  await page.goto(`/services/applications/${id}`);
  assert.ok((await page.locator("main").innerText()).includes(door));
  await visit(page, "counter-ready", { again: true });

  // 6. The kiosk opens the door with the code.
  const mailsBefore = server.mail.count(`${person}@example.tw`);
  const k = await kiosk(context, server, lang);
  await visit(k, "counter-kiosk");
  const wrong = code === "000000" ? "111111" : "000000";
  assert.match(await openWith(k, mobile, wrong), new RegExp(t("不正確", "not right")));
  const opened = await openWith(k, mobile, code);
  assert.ok(opened.includes(door), opened);
  await k.locator("#taken").click();
  await k.close();

  // 7. Recorded and told.
  await page.reload();
  assert.match(await page.locator("h1").innerText(), new RegExp(t("已領件", "Picked up")));
  const told = await server.mail.waitFor(`${person}@example.tw`, { skip: mailsBefore });
  assert.match(told.subject, /已領取|picked up/);
});

eachLanguage("an agent collects with their own code, an item moved to the counter is handed over, a caller is booked by phone", async (ctx) => {
  const { page, context, lang, t, server, visit } = ctx;
  const person = `family-${lang.toLowerCase()}-${Date.now()}`;
  const mobile = lang === "en" ? "0912000003" : "0912000004";
  const agentMobile = lang === "en" ? "0987000001" : "0987000002";
  await signInVerified(page, person);

  /** A senior card applied for, with its photo; resolves with the application's id. */
  async function apply() {
    const id = await start(page, SENIOR_CARD, visit, null);
    await page.fill("#f-applicant_id", "A123456789");
    await page.fill("#f-mobile", mobile);
    await page.check("#f-applies_for-self");
    await page.fill("#f-holder_birth_date", "40/01/02");
    await page.check("#f-indigenous-no");
    await page.fill("#f-household_address", "臺東縣臺東市中山路276號");
    await page.setInputFiles("#f-photo", { name: "photo.png", mimeType: "image/png", buffer: png() });
    await page.check("#f-consent");
    assert.equal(await submit(page, "main button[name=do][value=submit]"), 200);
    return id;
  }

  // An agent named by the applicant collects at the kiosk with their own code.
  const first = await apply();
  await asColleague(page, "clerk", lang, async (clerk) => {
    await clerkAct(clerk, first, "approve");
    await clerkAct(clerk, first, "issue");
  });
  await page.goto(`/services/applications/${first}`);
  const agentE164 = `+886${agentMobile.slice(1)}`;
  const before = sms.count(agentE164);
  await page.locator("main details summary").click();
  await page.fill("#f-agent-name", "王小明");
  await page.fill("#f-agent-last4", "6789");
  await page.fill("#f-agent-mobile", agentMobile);
  assert.equal(await submit(page, "main form[action$='/agent'] button[type=submit]"), 200);
  await visit(page, "counter-agent-named");
  const agentCode = await smsCode(agentE164, before);
  const k = await kiosk(context, server, lang);
  const opened = await openWith(k, agentMobile, agentCode);
  assert.match(opened, /[A-C]-\d{2}/);
  await k.locator("#taken").click();
  await page.reload();
  assert.match(await page.locator("main").innerText(), new RegExp(t("代領人", "An agent")));

  // An item moved from its locker to the counter: the locker code no longer opens; handed over
  // at the counter after the ID is checked.
  const second = await apply();
  const mineBefore = sms.count(`+886${mobile.slice(1)}`);
  await asColleague(page, "clerk", lang, async (clerk) => {
    await clerkAct(clerk, second, "approve");
    await clerkAct(clerk, second, "issue");
  });
  const lockerCode = await smsCode(`+886${mobile.slice(1)}`, mineBefore);
  await asColleague(page, "clerk", lang, async (clerk) => {
    await clerkAct(clerk, second, "to_counter");
    await clerk.goto(`/staff/counter/${second}`);
    await clerk.check("#f-who-applicant");
    await clerk.fill("#f-last4", "0000");
    assert.equal(await submit(clerk, "main form[action$='/pick_up'] button[type=submit]"), 400);
    await clerk.fill("#f-last4", "6789");
    assert.equal(await submit(clerk, "main form[action$='/pick_up'] button[type=submit]"), 200);
  });
  assert.doesNotMatch(await openWith(k, mobile, lockerCode), /[A-C]-\d{2}/);
  await k.close();
  await page.goto(`/services/applications/${second}`);
  assert.match(await page.locator("h1").innerText(), new RegExp(t("已領件", "Picked up")));

  // A caller is booked by phone, told by SMS, and checked in with a queue number.
  const caller = lang === "en" ? "0955000001" : "0955000002";
  await asColleague(page, "clerk", lang, async (clerk) => {
    await clerk.goto("/staff/counter/bookings?office=taitung-csc&purpose=apply");
    await visit(clerk, "counter-day");
    await clerk.fill("#f-name", "林阿嬤");
    await clerk.fill("#f-mobile", caller);
    await clerk.locator("main form[method=post][action='/staff/counter/bookings'] input[name=slot]:not([disabled])").first().check();
    assert.equal(await submit(clerk, "main form[method=post][action='/staff/counter/bookings'] button[type=submit]"), 200);
    await sms.waitFor(`+886${caller.slice(1)}`);
    await clerk.locator("main form[action$='/arrive'] button").first().click();
    await clerk.waitForURL((u) => u.searchParams.get("done") === "arrive");
    assert.match(await clerk.locator("[data-queue-number]").innerText(), /^A-\d{3}$/);
    await visit(clerk, "counter-day-arrived", { again: true });
  });
});

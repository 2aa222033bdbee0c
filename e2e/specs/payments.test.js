// A fee paid through the ECPay cashier simulator `civicdesk demo` runs beside it: an
// administrator makes a payment request; the payer, not signed in, opens the link, pays at
// the cashier and comes back to the outcome and a printable receipt; staff see it paid with
// its history. A second request is cancelled at the cashier and the payer can try again.

"use strict";

const assert = require("node:assert/strict");
const { eachLanguage } = require("../lib/harness");
const { submit } = require("../lib/actions");

/** Makes a payment request as the signed-in page's staff member; resolves with the payer's link. */
async function requestPayment(page, reference) {
  await page.goto("/staff/payments/new");
  await page.fill("#f-reference", reference);
  await page.fill("#f-description", "戶籍謄本 1 份");
  await page.fill("#f-amount", "15");
  assert.equal(await submit(page, "main form button[type=submit]"), 200);
  assert.ok(new URL(page.url()).pathname.startsWith("/staff/payments/"), page.url());
  return page.locator("main dl.facts a[href*='/pay/']").getAttribute("href");
}

/** From the payer's summary to the cashier (the page posts the signed form by itself). */
async function toCashier(page, server) {
  await Promise.all([
    page.waitForURL((u) => !u.href.startsWith(server.baseURL)),
    page.locator("main form[action$='/go'] button").click(),
  ]);
  assert.ok(new URL(page.url()).pathname.startsWith("/Cashier/AioCheckOut/V5"), page.url());
}

eachLanguage("a payer pays a fee at the cashier and gets a receipt; a cancelled payment can be tried again", async (ctx) => {
  const { page, context, t, server, signIn, visit } = ctx;
  await signIn(page, "admin");
  await page.goto("/staff/payments/new");
  await visit(page, "payments-new");
  const link = await requestPayment(page, `E2E-${ctx.lang}-${Date.now()}`);
  await visit(page, "payments-payment");

  // The payer is someone else, not signed in.
  const payerContext = await context.browser().newContext({
    baseURL: server.baseURL,
    locale: ctx.lang,
    extraHTTPHeaders: { "Accept-Language": ctx.lang === "en" ? "en" : "zh-TW,zh;q=0.9" },
    viewport: { width: 1280, height: 800 },
  });
  const payer = await payerContext.newPage();
  await payer.goto(link);
  const summary = await payer.locator("main").innerText();
  assert.ok(summary.includes("NT$15") && summary.includes("戶籍謄本 1 份"), summary);
  await visit(payer, "pay-summary");

  await toCashier(payer, server);
  await Promise.all([payer.waitForNavigation(), payer.locator("button[name=choice][value=pay]").click()]);
  // The cashier's "return to the merchant" posts its result to us; we ask the gateway.
  await Promise.all([
    payer.waitForURL((u) => u.href.startsWith(server.baseURL) && /\/pay\/[0-9a-f]+$/.test(u.pathname)),
    payer.locator("form button[type=submit]").click(),
  ]);
  let outcome = await payer.locator("h1").innerText();
  for (let i = 0; i < 20 && !outcome.includes(t("已收到", "received")); i += 1) {
    await payer.waitForTimeout(500);
    await payer.reload();
    outcome = await payer.locator("h1").innerText();
  }
  assert.ok(outcome.includes(t("已收到您的款項", "Payment received")), outcome);
  await visit(payer, "pay-paid");
  await payer.locator("main a[href$='/receipt']").click();
  const receipt = await payer.locator("main dl.facts").innerText();
  assert.ok(receipt.includes("NT$15") && receipt.includes("Credit_CreditCard"), receipt);
  await visit(payer, "pay-receipt");

  // Staff see it paid, with the gateway's notice in its history.
  await page.reload();
  const staffView = await page.locator("main").innerText();
  assert.ok(staffView.includes(t("已付款", "Paid")), staffView);
  assert.ok(staffView.includes("ECPay notice"), staffView);
  await page.goto("/staff/payments");
  await visit(page, "payments-list");
  await page.goto("/staff/payments/reconciliation");
  const report = await page.locator("main").innerText();
  assert.ok(report.includes(t("相符", "Matched")), report);
  await visit(page, "payments-report");

  // A second request, cancelled at the cashier: nothing taken, and another go is offered.
  const second = await requestPayment(page, `E2E-${ctx.lang}-c-${Date.now()}`);
  await payer.goto(second);
  await toCashier(payer, server);
  await Promise.all([
    payer.waitForURL((u) => u.href.startsWith(server.baseURL)),
    payer.locator("button[name=choice][value=cancel]").click(),
  ]);
  assert.ok((await payer.locator("h1").innerText()).includes(t("取消", "cancelled")));
  await visit(payer, "pay-cancelled");
  assert.equal(await submit(payer, "main form[action$='/again'] button"), 200);
  assert.notEqual(payer.url(), second, "a new payment");
  assert.equal(await payer.locator("main form[action$='/go'] button").count(), 1);
  await payerContext.close();
});

// A dispatcher of the Parks and Street Lights Office works the queue: filters it by status and
// SLA (a GET form), saves the filter as a view, opens a new case, acknowledges it and assigns it
// to the field crew through the case page, then assigns two more cases at once from the queue
// (one not signed for: refused, in an alert apart from the success).

"use strict";

const assert = require("node:assert/strict");
const { eachLanguage } = require("../lib/harness");
const { submit } = require("../lib/actions");
const { asColleague, fieldWorkerOption, fileAtDesk } = require("../lib/staff");

eachLanguage("a dispatcher filters the queue, saves a view, assigns a case and bulk-assigns two, one refused", async ({ page, lang, t, signIn, visit }) => {
  // Three new park cases (the office's own), filed by an agent, with a word to find them by.
  const tag = `E2E${lang.replace("-", "")}${Date.now()}`;
  const numbers = await asColleague(page, "agent", async (agent) => {
    const filed = [];
    for (const [i, place] of ["榮星花園", "青年公園", "二二八和平公園"].entries()) {
      const c = await fileAtDesk(agent, {
        category: "1999-G02",
        district: "104",
        address: `臺北市${place}`,
        description: `${tag} 公園座椅損壞 ${i + 1}`,
      });
      filed.push(c.number);
    }
    return filed;
  });

  const landed = await signIn(page, "dispatcher");
  assert.equal(landed, "/work");
  await visit(page, "work-queue");

  // Filter: cases routed to the office and not yet taken up, whose SLA clock is running, and the text that finds this test's cases.
  await page.selectOption("#f-status", "assigned");
  await page.selectOption("#f-sla", "running");
  await page.fill("#f-q", tag);
  await Promise.all([
    page.waitForURL((u) => u.pathname === "/work" && u.searchParams.get("status") === "assigned"),
    page.locator("form.filters button[type=submit]").click(),
  ]);
  const url = new URL(page.url());
  assert.equal(url.searchParams.get("sla"), "running");
  assert.equal(url.searchParams.get("q"), tag);
  const rows = page.locator("main table tbody tr");
  assert.equal(await rows.count(), 3, "the filter finds the three cases");
  await visit(page, "work-filtered");

  // Save the filter as a view; it is listed and leads back to the same queue.
  const viewName = `${t("新案件", "New cases")} ${tag}`;
  await page.locator("details.save-view > summary").click();
  await page.fill("#f-view-name", viewName);
  assert.equal(await submit(page, "form[action='/work/views'] button[type=submit]"), 200);
  assert.match(await page.locator(".status-message").innerText(), /\S/, "the saved view is announced");
  const view = page.locator("ul.views a", { hasText: viewName });
  assert.equal(await view.count(), 1, "the view is listed");
  assert.equal(await view.getAttribute("aria-current"), "true", "the view is the current queue");
  await visit(page, "work-view-saved");

  // Open the first case; acknowledge it, then assign it to the field worker.
  const [first, ...rest] = numbers;
  await page.locator(`main table a[href='/work/cases/${first}']`).click();
  await page.waitForURL((u) => u.pathname === `/work/cases/${first}`);
  assert.ok((await page.locator("h1").innerText()).includes(first));
  await visit(page, "work-case");
  assert.equal(await submit(page, "form:has(input[name=action][value=acknowledge]) button[type=submit]"), 200);
  assert.match(await page.locator(".status-message").innerText(), /\S/, "the acknowledgement is announced");
  assert.equal(await page.locator("form input[name=action][value=acknowledge]").count(), 0, "acknowledged once");
  const worker = await fieldWorkerOption(page, "#f-assign-worker-assignee");
  await page.selectOption("#f-assign-worker-assignee", worker);
  assert.equal(await submit(page, "form:has(input[name=action][value=assign_worker]) button[type=submit]"), 200);
  assert.match(await page.locator("dl.facts").innerText(), /張建國/, "the case names its assignee");
  await visit(page, "work-case-assigned");

  // A field worker is sent only to a case someone signed for: of the two others only one is
  // acknowledged; both are ticked in the queue and assigned at once. The one that can be is
  // the success (the status message and the table); the other is an alert with the reason.
  const [signed, unsigned] = rest;
  await page.goto(`/work/cases/${signed}`);
  assert.equal(await submit(page, "form:has(input[name=action][value=acknowledge]) button[type=submit]"), 200);
  await page.goto(`/work?q=${encodeURIComponent(tag)}`);
  for (const n of rest) {
    await page.locator("main table tbody tr", { has: page.locator(`a[href='/work/cases/${n}']`) }).locator("input[type=checkbox]").check();
  }
  await page.selectOption("#f-bulk-assignee", worker);
  assert.equal(await submit(page, "form[action='/work/assign'] button[type=submit]"), 200);
  const result = page.locator("main table tbody tr");
  assert.equal(await result.count(), 1, "the table lists the assigned case only");
  assert.ok((await result.innerText()).includes(signed));
  assert.match(await page.locator(".status-message").innerText(), new RegExp(t("已將 1 件分派給", "1 case assigned to")));
  const alert = page.locator("main [role=alert]");
  assert.equal(await alert.count(), 1, "the refusal is an alert of its own");
  const refused = await alert.innerText();
  assert.match(refused, new RegExp(t("有 1 件無法分派", "1 case could not be assigned")));
  assert.ok(refused.includes(unsigned) && !refused.includes(signed), `the alert names the refused case: ${refused}`);
  await visit(page, "work-bulk-result");
});

// The administration of what cases are about and how they are handled: a department and a
// category with a question (created, then corrected), the routing rules edited as text (a
// broken text refused beside the field, then a rule for the new category), the category's own
// SLA policy (a refused amount, then a good one), and the business calendar: a holiday, a
// make-up workday and a typhoon closure. A list page is checked once, in its fullest state
// (after the change), not also before it.

"use strict";

const assert = require("node:assert/strict");
const { eachLanguage } = require("../lib/harness");
const { submit } = require("../lib/actions");
const { checkErrorSummary } = require("../lib/checks");

/** A short suffix no other run of this file uses (codes are at most 32 characters). */
function unique(lang) {
  return `${lang === "en" ? "E" : "Z"}${String(Date.now()).slice(-6)}`;
}

/** yyyy-mm-dd of the first `weekday` (0 = Sunday) on or after `days` days from now. */
function dayAhead(days, weekday) {
  const d = new Date(Date.now() + days * 86400000);
  while (d.getUTCDay() !== weekday) d.setUTCDate(d.getUTCDate() + 1);
  return d.toISOString().slice(0, 10);
}

/** The status line a redirect after a change announces. */
async function statusText(page) {
  return (await page.locator(".status-message").innerText()).trim();
}

eachLanguage("an admin sets up a category, its routing, its SLA and the calendar", async ({ page, lang, t, signIn, visit }) => {
  await signIn(page, "admin");
  await page.goto("/admin");
  await visit(page, "admin");
  const u = unique(lang);

  // A department.
  await page.locator("main a[href='/admin/categories']").click();
  await page.waitForURL((url) => url.pathname === "/admin/categories");
  await page.locator("main a[href='/admin/departments']").click();
  await page.waitForURL((url) => url.pathname === "/admin/departments");
  await visit(page, "admin-departments");
  await page.locator("main a[href='/admin/departments/new']").click();
  await visit(page, "admin-department-new");
  const dept = `E2E-D${u}`;
  await page.fill("#f-code", dept);
  await page.fill("#f-name_zh", `測試局${u}`);
  await page.fill("#f-name_en", `Test Office ${u}`);
  await page.check("#f-kind-city");
  assert.equal(await submit(page, "main form button[type=submit]"), 200);
  assert.equal(new URL(page.url()).pathname, "/admin/departments");
  assert.match(await statusText(page), /\S/, "the change is announced");
  assert.ok((await page.locator("main table").innerText()).includes(dept), "the department is listed");

  // A category with a single-choice question; a refused code first.
  await page.goto("/admin/categories/new");
  await visit(page, "admin-category-new");
  const code = `E2E-C${u}`;
  await page.fill("#f-code", "no spaces allowed");
  await page.fill("#f-name_zh", `測試類別${u}`);
  await page.fill("#f-name_en", `Test category ${u}`);
  await page.fill("#f-group_zh", "測試");
  await page.fill("#f-group_en", "Tests");
  await page.selectOption("#f-department", dept);
  await page.check("#f-urgency-P3");
  await page.check("#f-active");
  await page.fill("#f-a0-code", "state");
  await page.selectOption("#f-a0-datatype", "singlevaluelist");
  await page.check("#f-a0-required");
  await page.fill("#f-a0-description_zh", "現況");
  await page.fill("#f-a0-description_en", "What is it like?");
  await page.fill("#f-a0-values", "broken | 損壞 | Broken\nmissing | 遺失 | Missing");
  assert.equal(await submit(page, "main form button[type=submit]"), 400);
  await checkErrorSummary(page, ["f-code"], t);
  assert.equal(await page.inputValue("#f-a0-values"), "broken | 損壞 | Broken\nmissing | 遺失 | Missing", "what was entered is kept");
  await visit(page, "admin-category-refused", { again: true });
  await page.fill("#f-code", code);
  assert.equal(await submit(page, "main form button[type=submit]"), 200);
  const row = page.locator(`#c-${code}`);
  assert.equal(await row.count(), 1, "the category is listed");
  assert.match(await row.innerText(), new RegExp(t(`測試類別${u}`, `Test category ${u}`)));
  assert.equal((await row.locator("td.num").innerText()).trim(), "1", "with its question");
  await visit(page, "admin-categories-created");

  // Corrected: a second option, the name.
  await row.locator(`a[href='/admin/categories/${code}/edit']`).click();
  await page.waitForURL((url) => url.pathname === `/admin/categories/${code}/edit`);
  assert.equal(await page.inputValue("#f-a0-code"), "state");
  await visit(page, "admin-category-edit", { again: true });
  await page.fill("#f-name_en", `Test category ${u} (renamed)`);
  await page.fill("#f-name_zh", `測試類別${u}（改名）`);
  await page.fill("#f-a0-values", "broken | 損壞 | Broken\nmissing | 遺失 | Missing\nleaning | 傾斜 | Leaning");
  assert.equal(await submit(page, "main form button[type=submit]"), 200);
  assert.match(await page.locator(`#c-${code}`).innerText(), new RegExp(t("（改名）", "\\(renamed\\)")));
  // Citizens see the question with its three choices.
  await page.goto(`/report/${code}`);
  assert.equal(await page.locator("input[name='attr-state']").count(), 3, "the report form asks the question");

  // Routing rules, as text: a broken text is refused beside the field, then a rule is added.
  await page.goto("/admin/rules");
  await page.locator("main a[href='/admin/rules/routing']").click();
  await page.waitForURL((url) => url.pathname === "/admin/rules/routing");
  await visit(page, "admin-rules-routing");
  const original = await page.inputValue("#f-rules");
  const rules = JSON.parse(original);
  await page.fill("#f-rules", `${original.trim().slice(0, -1)},{`);
  const save = "main form button[type=submit]:not([name=preview])";
  assert.equal(await submit(page, save), 400);
  await checkErrorSummary(page, ["f-rules"], t);
  assert.match(await page.locator("#f-rules-error").innerText(), /JSON/, "the parser's complaint is beside the text");
  await visit(page, "admin-rules-refused", { again: true });
  const ruleName = t(`測試規則 ${u}`, `Test rule ${u}`);
  rules.push({ id: `e2e-${u.toLowerCase()}`, name: ruleName, when: { category_is: code }, department: dept });
  await page.fill("#f-rules", JSON.stringify(rules, null, 2));
  // The preview tries the rules on recent cases and saves nothing.
  assert.equal(await submit(page, "main form button[name=preview]"), 200);
  assert.equal(new URL(page.url()).pathname, "/admin/rules/routing");
  assert.ok((await page.locator("#t-preview tbody tr").count()) > 0, "recent cases under the edited rules");
  await visit(page, "admin-rules-preview", { again: true });
  assert.equal(await submit(page, save), 200);
  assert.equal(new URL(page.url()).pathname, "/admin/rules");
  const ruleRow = page.locator("#routing ~ .table-wrap tr", { hasText: ruleName }).first();
  assert.match(await ruleRow.innerText(), new RegExp(code), "the rule is shown in words");
  await visit(page, "admin-rules-saved");

  // The category's own SLA policy: a refused amount, then a good one.
  await page.goto("/admin/sla");
  await page.selectOption("#f-scope", code);
  await Promise.all([page.waitForURL((url) => url.pathname === "/admin/sla/policy"), page.locator("form.filters button[type=submit]").click()]);
  await visit(page, "admin-sla-policy");
  await page.fill("#f-first_response", "-1");
  assert.equal(await submit(page, "main form button[type=submit]"), 400);
  await checkErrorSummary(page, ["f-first_response"], t);
  await visit(page, "admin-sla-policy-refused", { again: true });
  await page.fill("#f-first_response", "3");
  await page.selectOption("#f-first_response-unit", "days");
  assert.equal(await submit(page, "main form button[type=submit]"), 200);
  assert.equal(new URL(page.url()).pathname, "/admin/sla");
  const slaRow = page.locator("main tr", { has: page.locator(`a[href*='${encodeURIComponent(code)}']`) });
  assert.equal(await slaRow.count(), 1, "the category has its own policy");
  await visit(page, "admin-sla-saved");

  // The calendar: a refused day, then a holiday, a make-up workday and a typhoon closure.
  await page.locator("main a[href='/admin/calendar']").click();
  await page.waitForURL((url) => url.pathname === "/admin/calendar");
  const ahead = lang === "en" ? 250 : 150;
  const days = [
    { kind: "holiday", day: dayAhead(ahead, 3), name: t("測試補假", "Test holiday") },
    { kind: "makeup_workday", day: dayAhead(ahead, 6), name: t("測試補班", "Test make-up day") },
    { kind: "closure", day: dayAhead(ahead, 4), name: t("颱風停班", "Typhoon closure"), from: "12:00" },
  ];
  await page.check("#f-kind-holiday");
  await page.fill("#f-name", days[0].name);
  assert.equal(await submit(page, "main form button[type=submit]"), 400);
  await checkErrorSummary(page, ["f-day"], t);
  await visit(page, "admin-calendar-refused");
  for (const d of days) {
    await page.check(`#f-kind-${d.kind}`);
    await page.fill("#f-day", d.day);
    await page.fill("#f-name", `${d.name} ${u}`);
    if (d.from) await page.fill("#f-from_time", d.from);
    assert.equal(await submit(page, "main form button[type=submit]"), 200, `the ${d.kind} is declared`);
    assert.equal(new URL(page.url()).pathname, "/admin/calendar");
    const listed = page.locator("main table tbody tr", { hasText: `${d.name} ${u}` });
    assert.equal(await listed.count(), 1, `the ${d.kind} is listed among the upcoming days`);
    assert.equal(
      await listed.locator("time").first().getAttribute("datetime").then((v) => v.slice(0, 10)),
      d.day,
      `the ${d.kind} is on ${d.day}`,
    );
  }
  await visit(page, "admin-calendar-declared", { again: true });
});

// The supervisor's dashboard: every chart is an image named by its <title> and described by its
// <desc>, and the table beside it has the same numbers; the department filter (a GET form);
// the CSV downloads. And the knowledge base's admin: an answer written, corrected, deleted.

"use strict";

const assert = require("node:assert/strict");
const { eachLanguage } = require("../lib/harness");
const { submit } = require("../lib/actions");

/** Each chart of the page: its title, its description, its bars, and the rows of the table beside it. */
function chartsAndTables(page) {
  return page.locator("main .split.report").evaluateAll((splits) =>
    splits.map((split) => {
      const svg = split.querySelector("svg");
      const texts = [...svg.querySelectorAll("text")].map((t) => t.textContent.trim());
      const bars = [];
      for (let i = 0; i + 1 < texts.length; i += 2) bars.push({ label: texts[i], value: texts[i + 1] });
      const rows = [...split.querySelectorAll("table tbody tr")].map((tr) => ({
        label: tr.querySelector("th").textContent.trim(),
        cells: [...tr.querySelectorAll("td")].map((td) => td.textContent.trim()),
      }));
      const ids = (svg.getAttribute("aria-labelledby") || "").split(/\s+/);
      return {
        role: svg.getAttribute("role"),
        title: (svg.querySelector("title") || {}).textContent || "",
        desc: (svg.querySelector("desc") || {}).textContent || "",
        labelledByTitleAndDesc: ids.length === 2 && ids.every((id) => svg.querySelector(`#${CSS.escape(id)}`)),
        caption: split.querySelector("table caption").textContent.trim(),
        bars,
        rows,
      };
    }),
  );
}

function assertChartsMatchTables(charts) {
  assert.ok(charts.length >= 1, "the dashboard draws charts");
  for (const c of charts) {
    assert.equal(c.role, "img", `the chart "${c.title}" is an image`);
    assert.match(c.title, /\S/, "the chart has a <title>");
    assert.match(c.desc, /\S/, `the chart "${c.title}" has a <desc>`);
    assert.ok(c.labelledByTitleAndDesc, `the chart "${c.title}" is labelled by its title and desc`);
    assert.equal(c.bars.length, c.rows.length, `"${c.title}" has as many bars as "${c.caption}" has rows`);
    for (const [i, bar] of c.bars.entries()) {
      const row = c.rows[i];
      // A long label is shortened on the chart ("…"); the table has it whole.
      const label = bar.label.replace(/…$/, "");
      assert.ok(row.label.startsWith(label), `bar ${i + 1} of "${c.title}" ("${bar.label}") is the row "${row.label}"`);
      // The bar says "2 件" or "2 cases" or "85.0%"; the row has the same number.
      const number = (bar.value.match(/\d[\d,.]*%?/) || [bar.value])[0];
      assert.ok(
        row.cells.includes(number),
        `bar "${bar.label}" of "${c.title}" shows ${bar.value}; the table's row has ${row.cells.join(", ")}`,
      );
    }
  }
}

eachLanguage("a supervisor reads the dashboard, filters a department and downloads a CSV", async ({ page, t, signIn, visit }) => {
  await signIn(page, "supervisor");
  await page.goto("/supervise");
  assertChartsMatchTables(await chartsAndTables(page));
  await visit(page, "supervise");

  // One department, with the plain GET form.
  await page.selectOption("#f-department", "PWD-PKS");
  await Promise.all([
    page.waitForURL((u) => u.searchParams.get("department") === "PWD-PKS"),
    page.locator("form.filters button[type=submit]").click(),
  ]);
  assert.equal(await page.inputValue("#f-department"), "PWD-PKS", "the filter keeps its choice");
  assert.match(await page.locator("main").innerText(), new RegExp(t("公園路燈", "Parks and Street Lights")));
  const charts = await chartsAndTables(page);
  assertChartsMatchTables(charts);
  await visit(page, "supervise-department");

  // Every section's CSV keeps the filter and answers a spreadsheet.
  const links = page.locator("main a.download");
  assert.ok((await links.count()) >= 5, "each section has a CSV link");
  const href = await links.first().getAttribute("href");
  assert.match(href, /^\/supervise\/[a-z-]+\.csv\?.*department=PWD-PKS/);
  const response = await page.request.get(href);
  assert.equal(response.status(), 200);
  assert.match(response.headers()["content-type"], /^text\/csv/);
  assert.match(response.headers()["content-disposition"] || "", /attachment|filename/);
  const body = await response.text();
  assert.ok(body.split("\n").filter((l) => l.trim()).length >= 1, "the file has a header row");
});

eachLanguage("an admin writes, corrects and deletes a knowledge-base answer", async ({ page, lang, t, signIn, visit }) => {
  await signIn(page, "admin");
  await page.goto("/admin/answers");
  await visit(page, "admin-answers");

  await page.locator("main a[href='/admin/answers/new']").click();
  await page.waitForURL((u) => u.pathname === "/admin/answers/new");
  await visit(page, "admin-answer-new");
  const question = `${t("如何申請路邊停車位？", "How do I apply for a kerbside parking permit?")} ${lang}-${Date.now()}`;
  await page.fill("#f-question", question);
  await page.fill("#f-answer", t("請向停車管理工程處申請。\n\n需要附上行照影本。", "Apply to the Parking Management Office.\n\nBring a copy of the vehicle licence."));
  await page.fill("#f-keywords", t("停車,車位", "parking,permit"));
  await page.selectOption("#f-category", { index: 1 });
  assert.ok((await submit(page, "main form button[type=submit]")) < 400);
  const row = () => page.locator("main table tbody tr", { has: page.locator("th", { hasText: question }) });
  await page.goto("/admin/answers");
  assert.equal(await row().count(), 1, "the answer is listed");

  // Correct it.
  await row().locator("a[href^='/admin/answers/']:not([href$='/delete'])").click();
  await page.waitForURL(/\/admin\/answers\/[^/]+$/);
  assert.equal(await page.inputValue("#f-question"), question);
  await visit(page, "admin-answer-edit");
  const corrected = `${question} ${t("（已更新）", "(updated)")}`;
  await page.fill("#f-question", corrected);
  assert.ok((await submit(page, "main form button[type=submit]")) < 400);
  await page.goto(`/desk/answers?q=${encodeURIComponent(corrected)}`);
  assert.equal((await page.locator("main article.answer h2").first().innerText()).trim(), corrected, "agents find the correction");

  // Delete it, after the confirmation page.
  await page.goto("/admin/answers");
  const corrRow = page.locator("main table tbody tr", { has: page.locator("th", { hasText: corrected }) });
  await corrRow.locator("a[href$='/delete']").click();
  await page.waitForURL(/\/admin\/answers\/[^/]+\/delete$/);
  assert.ok((await page.locator("main").innerText()).includes(corrected), "the confirmation names the answer");
  await visit(page, "admin-answer-delete");
  assert.ok((await submit(page, "main form button[type=submit]")) < 400);
  await page.goto("/admin/answers");
  assert.equal(await corrRow.count(), 0, "the answer is gone");
});

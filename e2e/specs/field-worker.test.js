// A field worker on a phone (375 px): today's list, a case the dispatcher assigned to them,
// "arrived", a note, a photo from the camera, "done" with the outcome. The buttons are big
// enough for a thumb (44 px).

"use strict";

const assert = require("node:assert/strict");
const { eachLanguage } = require("../lib/harness");
const { submit } = require("../lib/actions");
const { photo } = require("../lib/images");
const { asColleague, assertTapTargets, assignToFieldWorker, fileAtDesk } = require("../lib/staff");

const PHONE = { viewport: { width: 375, height: 740 }, isMobile: true, hasTouch: true };

eachLanguage(
  "a field worker on a phone arrives, notes, adds a photo and completes an assigned case",
  async ({ page, lang, t, signIn, visit }) => {
    // An agent files the case; the dispatcher assigns it to the demo field worker.
    const { number } = await asColleague(page, "agent", (agent) =>
      fileAtDesk(agent, {
        category: "1999-G02",
        district: "100",
        address: `臺北市中正區植物園 ${lang} ${Date.now()}`,
        description: "荷花池旁的涼亭屋頂破洞，下雨會漏水。",
      }),
    );
    await asColleague(page, "dispatcher", (dispatcher) => assignToFieldWorker(dispatcher, number));

    const landed = await signIn(page, "field");
    assert.equal(landed, "/field");
    const task = page.locator(`main a.task[href='/field/cases/${number}']`);
    assert.equal(await task.count(), 1, "the assigned case is on today's list");
    await assertTapTargets(page, "main a.task");
    await visit(page, "field-today");

    await task.click();
    await page.waitForURL((u) => u.pathname === `/field/cases/${number}`);
    assert.ok((await page.locator("h1").innerText()).includes(number));
    await assertTapTargets(page, "main button[type=submit]");
    await visit(page, "field-case");

    // Arrived on site.
    assert.equal(await submit(page, "form:has(input[name=action][value=arrive]) button[type=submit]"), 200);
    assert.match(await page.locator(".status-message").innerText(), /\S/, "the arrival is announced");
    assert.equal(await page.locator("form input[name=action][value=arrive]").count(), 0, "arrived once");
    await visit(page, "field-arrived");

    // A note for the office.
    const note = t("屋頂破洞約一公尺，需要調派工班更換。", "The hole in the roof is about a metre; a crew must replace it.");
    await page.fill("#f-note-note", note);
    assert.equal(await submit(page, "form:has(input[name=action][value=note]) button[type=submit]"), 200);
    assert.ok((await page.locator(".timeline").innerText()).includes(note), "the note is on the timeline");

    // A photo from the camera.
    await page.setInputFiles("#f-photos", photo("roof.png"));
    await page.fill("#f-photo-note", t("涼亭屋頂", "Pavilion roof"));
    assert.equal(await submit(page, "form[enctype='multipart/form-data'] button[type=submit]"), 200);
    assert.match(await page.locator(".status-message").innerText(), /\S/, "the photo is announced");
    await visit(page, "field-photo-added");

    // Done, with the outcome.
    await page.locator("#f-resolve-outcome input[type=radio]").first().check();
    await page.fill("#f-resolve-note", t("已更換屋頂板。", "The roof panel is replaced."));
    await assertTapTargets(page, "#f-resolve-outcome .choice label");
    assert.equal(await submit(page, "form:has(input[name=action][value=resolve]) button[type=submit]"), 200);
    assert.equal(new URL(page.url()).pathname, "/field");
    assert.match(await page.locator(".status-message").innerText(), /\S/, "completion is announced");
    assert.equal(await task.count(), 0, "the completed case has left the list");
    await visit(page, "field-completed");
  },
  { context: PHONE },
);

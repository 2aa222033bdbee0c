// Helpers for the staff specs: another staff member working beside the test's user (in a
// browser context of their own), filing a case through the agent's desk, assigning through the
// dispatcher's case page, and the tap-target size a field worker's thumb needs.

"use strict";

const assert = require("node:assert/strict");
const { demo, signIn } = require("./harness");
const { submit } = require("./actions");

/** A phone number no other test uses: 09 and eight digits from the clock. */
function uniquePhone() {
  uniquePhone.last = Math.max(Date.now(), (uniquePhone.last || 0) + 1);
  return `09${String(uniquePhone.last).slice(-8)}`;
}

/**
 * Runs `fn(page)` as `role` in a browser context of its own (same browser, same server, its own
 * session), and closes it. For a colleague's part of a
 * journey, e.g. the agent who filed the case a dispatcher then assigns.
 */
async function asColleague(page, role, fn) {
  const context = await page.context().browser().newContext({
    baseURL: demo().baseURL,
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

/**
 * Files a case through the agent's pages (/desk/new): the category, the place, the description;
 * through the duplicate review if the desk shows one. Resolves with { number, password, status }.
 * `page` must be signed in as a staff member who may file cases.
 */
async function fileAtDesk(page, { category, district, address, description, phone = "" }) {
  await page.goto("/desk/new");
  if (phone) await page.fill("#f-phone", phone);
  await page.selectOption("#f-category", category);
  assert.equal(await submit(page, "main form button[type=submit]"), 200);
  if (district) await page.selectOption("#f-district", district);
  await page.fill("#f-address", address);
  await page.fill("#f-description", description);
  let status = await submit(page, "main form button[name=step][value=file]");
  if (!page.url().includes("/desk/filed")) {
    // Possible duplicates (or an emergency word): the agent files it anyway.
    status = await submit(page, "main form button[name=step][value=confirm]");
  }
  assert.equal(status, 200, "the case is filed");
  assert.ok(page.url().includes("/desk/filed?s="), `the confirmation, not ${page.url()}`);
  const codes = page.locator(".facts .big-code");
  return {
    number: (await codes.nth(0).innerText()).trim(),
    password: (await codes.count()) > 1 ? (await codes.nth(1).innerText()).trim() : "",
  };
}

/** Assigns `number` to the demo's field worker through the dispatcher's case page. */
async function assignToFieldWorker(page, number) {
  await page.goto(`/work/cases/${number}`);
  if ((await page.locator("form input[name=action][value=acknowledge]").count()) > 0) {
    await submit(page, "form:has(input[name=action][value=acknowledge]) button[type=submit]");
  }
  const worker = await fieldWorkerOption(page, "#f-assign-worker-assignee");
  await page.selectOption("#f-assign-worker-assignee", worker);
  const status = await submit(page, "form:has(input[name=action][value=assign_worker]) button[type=submit]");
  assert.ok(status < 400, `assigning ${number} answered ${status}`);
}

/** The value of the demo field worker (張建國) in an assignee <select>. */
async function fieldWorkerOption(page, select) {
  const options = await page.locator(`${select} option`).evaluateAll((os) =>
    os.map((o) => ({ value: o.value, text: o.textContent })),
  );
  const found = options.find((o) => o.value && /張建國/.test(o.text)) || options.find((o) => o.value);
  assert.ok(found, `${select} offers a field worker: ${JSON.stringify(options)}`);
  return found.value;
}

/**
 * Asserts that every element matching `selector` that is shown is at least `min` CSS px tall
 * and wide (WCAG 2.5.5's 44 px target, for gloved thumbs on a street).
 */
async function assertTapTargets(page, selector, min = 44) {
  const small = await page.locator(selector).evaluateAll(
    (els, m) =>
      els
        .filter((el) => el.offsetParent !== null)
        .map((el) => {
          const r = el.getBoundingClientRect();
          return { text: el.textContent.trim().slice(0, 30), w: Math.round(r.width), h: Math.round(r.height) };
        })
        .filter((b) => b.h < m || b.w < m),
    min,
  );
  const count = await page.locator(selector).count();
  assert.ok(count > 0, `there are ${selector} on ${page.url()}`);
  assert.deepEqual(small, [], `targets smaller than ${min} px on ${page.url()}`);
}

module.exports = { asColleague, assertTapTargets, assignToFieldWorker, fieldWorkerOption, fileAtDesk, uniquePhone };

// The journeys of the UX review (§2), walked as one street light through every role, in both
// languages: the citizen reports it (and reloads the confirmation), the agent finds it by number
// and by the caller's phone, the dispatcher reads what the citizen said, is refused in words
// (never a field code), signs for it and sends the crew, the field worker on a phone arrives and
// completes it, the supervisor opens it from the header search, the admin builds a rule for such
// cases in the condition builder, and the citizen follows the notification link to track it.
//
// Throughout, no page any role reaches answers 403, and no form is filed twice.

"use strict";

const assert = require("node:assert/strict");
const { eachLanguage, signIn } = require("../lib/harness");
const { submit } = require("../lib/actions");
const { fieldWorkerOption, uniquePhone } = require("../lib/staff");

const ACCEPT = { "zh-TW": "zh-TW,zh;q=0.9", en: "en-GB,en;q=0.9" };
const PHONE = { width: 375, height: 740 };

/** A field code in quotes, as a message that names a field by its code would show it. */
const RAW_CODE = /[「“"]\s*[a-z]+(?:_[a-z]+)*\s*[」”"]/;

eachLanguage(
  "one street light through every role, without a 403, a second filing or a field code",
  async ({ page, lang, t, server, visit }) => {
    const forbidden = [];
    const watch = (p) =>
      p.on("response", (r) => {
        if (r.request().resourceType() === "document" && r.status() === 403) forbidden.push(r.url());
      });
    watch(page);
    const noRawCodes = async (p, where) => {
      const text = await p.locator("main").innerText();
      assert.doesNotMatch(text, RAW_CODE, `${where} names a field by its code`);
    };
    /** Runs fn(page) as `role` in a browser of their own, in the test's language. */
    const as = async (role, fn, viewport = { width: 1280, height: 800 }) => {
      const context = await page.context().browser().newContext({
        baseURL: server.baseURL,
        locale: lang,
        extraHTTPHeaders: { "Accept-Language": ACCEPT[lang] },
        viewport,
      });
      context.setDefaultTimeout(15000);
      try {
        const p = await context.newPage();
        watch(p);
        return await fn(p, await signIn(p, role));
      } finally {
        await context.close();
      }
    };

    // 1. The citizen reports a street light, with the pole number and a phone for the reply.
    const pole = String(Date.now()).slice(-7);
    const phone = uniquePhone();
    await page.goto("/report/1999-L01");
    await page.fill("#f-attr-pole_number", pole);
    await page.fill("#f-attr-lamps_out", "2");
    await page.locator("#f-attr-fault input[type=checkbox]").first().check();
    await page.selectOption("#f-district", "106");
    await page.fill("#f-address", t("復興南路一段390號前", "No. 390, Sec. 1, Fuxing S. Rd."));
    await page.fill("#f-description", t("兩盞路燈不亮，路口很暗。", "Two street lights are out; the crossing is dark."));
    await page.fill("#f-last-name", t("林", "Lin"));
    await page.check("#f-notify-sms");
    await page.fill("#f-phone", phone);
    await page.check("#f-consent");
    assert.equal(await submit(page, "main form button[type=submit]"), 200);
    assert.ok(page.url().includes("/report/filed?s="), `the confirmation, not ${page.url()}`);
    const codes = page.locator(".facts .big-code");
    const number = (await codes.nth(0).innerText()).trim();
    const password = (await codes.nth(1).innerText()).trim();
    await page.reload();
    assert.equal((await codes.nth(0).innerText()).trim(), number, "a reload shows the same case");
    await visit(page, "journey-citizen-filed", { again: true });

    // 2. The agent: lands on the desk, opens the case by its number from the header search (to
    // read, not to act), and finds it among the caller's cases by the phone given on the web.
    await as("agent", async (agent, landed) => {
      assert.equal(landed, "/desk");
      await agent.fill("#site-search-q", number);
      await Promise.all([agent.waitForURL((u) => u.pathname === `/work/cases/${number}`), agent.press("#site-search-q", "Enter")]);
      assert.ok((await agent.locator("h1").innerText()).includes(number));
      assert.ok((await agent.locator("section.said").innerText()).includes(pole), "the pole number is shown");
      await visit(agent, "journey-agent-case", { again: true });
      await agent.goto("/desk");
      await agent.fill("#f-phone", phone);
      await agent.fill("#f-reason", t("民眾來電詢問進度", "Caller asks how the case is going"));
      assert.equal(await submit(agent, "form[action='/desk/caller'] button[type=submit]"), 200);
      const history = agent.locator(`main a[href='/work/cases/${number}']`);
      assert.ok((await history.count()) >= 1, "the web case is in the caller's history, as a link");
      await visit(agent, "journey-agent-caller", { again: true });
    });

    // 3. The dispatcher of the street-light office: the queue, the case with what the citizen
    // said; a reassign sent empty is refused by the field's label; sign for it, send the crew.
    await as("dispatcher", async (d, landed) => {
      assert.equal(landed, "/work");
      await d.goto(`/work/cases/${number}`);
      assert.ok((await d.locator("section.said").innerText()).includes(pole), "the pole number is shown");
      await d.locator("#a-reassign > summary").click();
      assert.equal(await submit(d, "form:has(input[name=action][value=reassign]) button[type=submit]"), 400);
      assert.ok(await d.locator("#f-reassign-department-error").count(), "the error is beside the field");
      await noRawCodes(d, "the refused reassign");
      await visit(d, "journey-dispatcher-refused", { again: true });
      assert.equal(await submit(d, "form:has(input[name=action][value=acknowledge]) button[type=submit]"), 200);
      const worker = await fieldWorkerOption(d, "#f-assign-worker-assignee");
      await d.selectOption("#f-assign-worker-assignee", worker);
      assert.equal(await submit(d, "form:has(input[name=action][value=assign_worker]) button[type=submit]"), 200);
      await noRawCodes(d, "the assigned case");
      await visit(d, "journey-dispatcher-assigned", { again: true });
    });

    // 4. The field worker on a phone: today's list, the case with the pole number, arrive, done.
    await as(
      "field",
      async (f, landed) => {
        assert.equal(landed, "/field");
        await f.locator(`main a.task[href='/field/cases/${number}']`).click();
        await f.waitForURL((u) => u.pathname === `/field/cases/${number}`);
        assert.ok((await f.locator("main").innerText()).includes(pole), "the pole number is on the field view");
        assert.equal(await submit(f, "form:has(input[name=action][value=arrive]) button[type=submit]"), 200);
        await f.locator("#f-resolve-outcome input[type=radio]").first().check();
        await f.fill("#f-resolve-note", t("已更換燈泡。", "The lamps are replaced."));
        assert.equal(await submit(f, "form:has(input[name=action][value=resolve]) button[type=submit]"), 200);
        assert.equal(new URL(f.url()).pathname, "/field");
        await visit(f, "journey-field-done", { again: true });
      },
      PHONE,
    );

    // 5. The supervisor: lands on the dashboard; the header search opens the case to read.
    await as("supervisor", async (s, landed) => {
      assert.equal(landed, "/supervise");
      await s.fill("#site-search-q", number);
      await Promise.all([s.waitForURL((u) => u.pathname === `/work/cases/${number}`), s.press("#site-search-q", "Enter")]);
      assert.ok((await s.locator("h1").innerText()).includes(number));
      await visit(s, "journey-supervisor-case", { again: true });
    });

    // 6. The admin: lands on administration; builds a rule for street lights in Da'an from
    // conditions (a row added through the form) and previews it, saving nothing.
    await as("admin", async (a, landed) => {
      assert.equal(landed, "/admin");
      await a.goto("/admin/rules");
      await a.locator("main a[href='/admin/rules/routing/rule']").click();
      await a.waitForURL((u) => u.pathname === "/admin/rules/routing/rule");
      await a.fill("#f-name", t("大安區路燈", "Da'an street lights"));
      await a.selectOption("#f-target", "PWD-PKS");
      await a.fill("#f-c1-value", t("路燈故障或設施損壞", "Street light fault or fixture damage"));
      assert.equal(await submit(a, "main form button[name=action][value=add]"), 200);
      await a.selectOption("#f-c2-field", "district");
      await a.fill("#f-c2-value", t("大安區", "Da'an Dist."));
      await visit(a, "journey-admin-rule-form");
      assert.equal(await submit(a, "main form button[name=action][value=preview]"), 200);
      assert.equal(await a.locator("#t-preview").count(), 1, "the preview table");
      await noRawCodes(a, "the rule preview");
      await visit(a, "journey-admin-rule-preview", { again: true });
    });

    // 7. The citizen follows the link of the notification: the number is filled in.
    await page.goto(`/track?case=${number}`);
    assert.equal(await page.inputValue("#f-number"), number);
    await page.fill("#f-password", password);
    assert.equal(await submit(page, "main form button[type=submit]"), 200);
    assert.ok((await page.locator("main").innerText()).includes(t("復興南路", "Fuxing S. Rd.")), "what was reported");
    await visit(page, "journey-citizen-tracked", { again: true });

    assert.deepEqual(forbidden, [], "no page any role reached answered 403");
  },
  { timeout: 300000 },
);

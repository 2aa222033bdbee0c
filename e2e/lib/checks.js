// What every page reached in a test must pass: the page's language, WCAG 2.1 A/AA by axe, no
// sideways scrolling at 320 px, text at 200% without loss, dates in the page's calendar; plus
// screenshots at 1280 and 375 px for people to look at.

"use strict";

const assert = require("node:assert/strict");
const fs = require("node:fs");
const path = require("node:path");
const { AxeBuilder } = require("@axe-core/playwright");

const SCREENSHOTS = path.resolve(__dirname, "..", "screenshots");
const WIDE = { width: 1280, height: 800 };
const HTML_LANG = { "zh-TW": "zh-Hant-TW", en: "en" };

/** The test language of a page, from its `<html lang>`. */
async function pageLang(page) {
  const tag = await page.evaluate(() => document.documentElement.lang);
  return tag === "en" ? "en" : "zh-TW";
}

/** `<html lang>` is the one the language `lang` ("zh-TW" or "en") must give. */
async function checkLang(page, lang) {
  const tag = await page.evaluate(() => document.documentElement.lang);
  assert.equal(tag, HTML_LANG[lang], `<html lang> of ${page.url()}`);
}

function describeViolations(violations) {
  return violations
    .map((v) => {
      const nodes = v.nodes
        .map((n) => `    at ${n.target.join(" ")}\n      ${n.failureSummary.replace(/\n/g, "\n      ")}`)
        .join("\n");
      return `  [${v.impact}] ${v.id}: ${v.help}\n    ${v.helpUrl}\n${nodes}`;
    })
    .join("\n");
}

/**
 * axe with the WCAG 2.0 and 2.1 A and AA rules: no violation allowed. `rules` limits the run to
 * those rules (for a second look at another width).
 */
async function checkA11y(page, rules) {
  const axe = new AxeBuilder({ page });
  const result = await (rules ? axe.withRules(rules) : axe.withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"])).analyze();
  if (result.violations.length > 0) {
    assert.fail(
      `${result.violations.length} accessibility violation(s) on ${page.url()}:\n` +
        describeViolations(result.violations),
    );
  }
}

/** Full-page screenshots at 1280 and 375 px into screenshots/<lang>/<name>-<width>.png. */
async function shoot(page, name) {
  const dir = path.join(SCREENSHOTS, await pageLang(page));
  fs.mkdirSync(dir, { recursive: true });
  const before = page.viewportSize() || WIDE;
  for (const width of [1280, 375]) {
    await page.setViewportSize({ width, height: width === 375 ? 740 : 800 });
    await page.screenshot({ path: path.join(dir, `${name}-${width}.png`), fullPage: true });
  }
  await page.setViewportSize(before);
}

/** How far the document scrolls sideways beyond the viewport, and what sticks out. */
function overflow(page) {
  return page.evaluate(() => {
    const root = document.scrollingElement;
    const width = window.innerWidth;
    const wide = [];
    for (const el of document.querySelectorAll("body *")) {
      const r = el.getBoundingClientRect();
      // Tables may scroll in their box; a map's tiles are clipped by the map (overflow:
      // hidden), and the areas of a drawn map by its <svg> (an outer <svg> clips what lies
      // outside its view box), whose own box is checked like any other element.
      const clipped = el.closest(".table-wrap") || (el.parentElement && el.parentElement.closest(".map")) ||
        (el.ownerSVGElement && el.closest("svg.map-svg"));
      if (r.width > 0 && r.right > width + 1 && !clipped) {
        const id = el.id ? `#${el.id}` : "";
        const cls = typeof el.className === "string" && el.className ? `.${el.className.split(" ").join(".")}` : "";
        wide.push(`${el.tagName.toLowerCase()}${id}${cls} (right edge ${Math.round(r.right)})`);
      }
    }
    return { scrollWidth: root.scrollWidth, width, wide: wide.slice(0, 8) };
  });
}

async function assertNoSidewaysScroll(page, what) {
  const o = await overflow(page);
  assert.ok(
    o.scrollWidth <= o.width + 1 && o.wide.length === 0,
    `${what}: ${page.url()} is ${o.scrollWidth} px wide in a ${o.width} px viewport; sticking out: ${o.wide.join(", ")}`,
  );
}

/**
 * WCAG 1.4.10: at 320 CSS px nothing needs horizontal scrolling (tables scroll in their box,
 * which must then take keyboard focus).
 */
async function checkReflow(page) {
  const before = page.viewportSize() || WIDE;
  await page.setViewportSize({ width: 320, height: 640 });
  try {
    await assertNoSidewaysScroll(page, "reflow at 320 px");
    // What the narrow layout can break that the wide one did not: a table that now scrolls in
    // its box must be reachable by keyboard. (The full run is at 1280 px.)
    await checkA11y(page, ["scrollable-region-focusable"]);
  } finally {
    await page.setViewportSize(before);
  }
}

/** Components whose text must fit inside their own box (a badge, a tag, a button, a code). */
const FITTED = ".brand-mark, .tag, .button, button, .big-code";

/** No fitted component's text spills out of its box (e.g. "1999" out of the brand circle). */
async function assertTextFits(page, what) {
  const spilled = await page.evaluate((selector) => {
    const out = [];
    for (const el of document.querySelectorAll(selector)) {
      // Hidden from sight on purpose (a default button for Enter, a screen reader's text).
      if (el.offsetParent === null || el.closest(".visually-hidden")) continue;
      if (el.scrollWidth > el.clientWidth + 1 || el.scrollHeight > el.clientHeight + 1) {
        out.push(`${el.tagName.toLowerCase()}.${[...el.classList].join(".")} "${el.textContent.trim().slice(0, 30)}"`);
      }
    }
    return out;
  }, FITTED);
  assert.ok(spilled.length === 0, `${what}: text spills out of its box on ${page.url()}: ${spilled.join(", ")}`);
}

/** The skip link, unless focused, is entirely off screen (it must not cover the header). */
async function assertSkipLinkHidden(page, what) {
  const box = await page.evaluate(() => {
    const skip = document.querySelector("a.skip");
    if (!skip || skip === document.activeElement) return null;
    const r = skip.getBoundingClientRect();
    return { bottom: r.bottom + window.scrollY };
  });
  assert.ok(!box || box.bottom <= 0, `${what}: the unfocused skip link shows (bottom at ${box && box.bottom} px)`);
}

/** WCAG 1.4.4: with the root font size doubled, nothing is cut off, at 1280 and 375 px. */
async function checkTextResize(page) {
  const before = page.viewportSize() || WIDE;
  await page.evaluate(() => {
    const root = document.documentElement;
    root.dataset.e2eFontSize = root.style.fontSize;
    root.style.fontSize = `${parseFloat(getComputedStyle(root).fontSize) * 2}px`;
  });
  try {
    for (const width of [1280, 375]) {
      await page.setViewportSize({ width, height: 800 });
      await assertNoSidewaysScroll(page, `text at 200% at ${width} px`);
      await assertSkipLinkHidden(page, `text at 200% at ${width} px`);
      await assertTextFits(page, `text at 200% at ${width} px`);
    }
  } finally {
    await page.evaluate(() => {
      const root = document.documentElement;
      root.style.fontSize = root.dataset.e2eFontSize || "";
      delete root.dataset.e2eFontSize;
    });
    await page.setViewportSize(before);
  }
}

/**
 * WCAG 1.4.12: with the text spacing a reader may set (line height 1.5, paragraphs 2 em apart,
 * letters 0.12 em, words 0.16 em), nothing is cut off or needs sideways scrolling, at 1280 and
 * 320 px.
 */
async function checkTextSpacing(page) {
  const before = page.viewportSize() || WIDE;
  // A constructed style sheet: the pages' Content-Security-Policy refuses inline <style>.
  await page.evaluate(() => {
    const sheet = new CSSStyleSheet();
    sheet.replaceSync(
      "* { line-height: 1.5 !important; letter-spacing: 0.12em !important; word-spacing: 0.16em !important; }" +
        " p { margin-bottom: 2em !important; }",
    );
    document.adoptedStyleSheets = [...document.adoptedStyleSheets, sheet];
  });
  try {
    for (const width of [1280, 320]) {
      await page.setViewportSize({ width, height: 800 });
      await assertNoSidewaysScroll(page, `text spacing at ${width} px`);
      await assertTextFits(page, `text spacing at ${width} px`);
    }
  } finally {
    await page.evaluate(() => {
      document.adoptedStyleSheets = document.adoptedStyleSheets.slice(0, -1);
    });
    await page.setViewportSize(before);
  }
}

/**
 * Every `<time>` on the page is in the page's calendar: ROC years (民國) in Chinese, Gregorian
 * years in English. Returns how many there are.
 */
async function checkDates(page, lang) {
  const times = await page.locator("time").allTextContents();
  for (const t of times) {
    if (lang === "zh-TW") {
      assert.match(t, /民國\d{2,3}年\d{1,2}月\d{1,2}日/, `a Chinese page shows an ROC date, not "${t}"`);
    } else {
      assert.doesNotMatch(t, /民國|年/, `an English page shows a Gregorian date, not "${t}"`);
      assert.match(t, /\b20\d\d\b/, `an English page shows a Gregorian year in "${t}"`);
    }
  }
  return times.length;
}

/**
 * Everything a page reached in a test must pass, then its screenshots. `name` names the
 * screenshots; `lang` is the test's language. `again: true` is for a page this test already
 * visited in full, shown again in another state (refused with errors, or listing what was
 * just added): the checks that depend on content (language, dates, text fits, axe, reflow at
 * 320 px, screenshots) run again; text size and text spacing, which the page's layout
 * passed on the first visit, do not.
 */
async function visit(page, name, lang, { again = false } = {}) {
  await checkLang(page, lang);
  await checkDates(page, lang);
  await assertTextFits(page, "at 1280 px");
  await checkA11y(page);
  await checkReflow(page);
  if (!again) {
    await checkTextResize(page);
    await checkTextSpacing(page);
  }
  await shoot(page, name);
}

/**
 * The error summary of a refused form: the title starts with 錯誤/Error, the summary has focus,
 * it links to each of `fields` (ids) in the form's order, each link moves focus to its field,
 * and each field is marked aria-invalid and described by its message. `t` is the test's t().
 */
async function checkErrorSummary(page, fields, t) {
  assert.match(await page.title(), new RegExp(`^${t("錯誤", "Error")}`), "the title says there is an error");
  const summary = page.locator(".error-summary");
  assert.equal(await summary.count(), 1, "one error summary");
  assert.ok(
    await page.evaluate(() => document.activeElement && document.activeElement.classList.contains("error-summary")),
    "the error summary has focus",
  );
  const hrefs = await summary.locator("a").evaluateAll((as) => as.map((a) => a.getAttribute("href")));
  for (const f of fields) assert.ok(hrefs.includes(`#${f}`), `the summary links to #${f}: ${hrefs}`);
  const inPageOrder = await page.evaluate((hrefs) => {
    const els = hrefs.map((h) => document.getElementById(h.slice(1)));
    return els.every((el, i) => i === 0 || els[i - 1].compareDocumentPosition(el) & Node.DOCUMENT_POSITION_FOLLOWING);
  }, hrefs);
  assert.ok(inPageOrder, `the summary lists the fields in the order of the form: ${hrefs}`);
  for (const href of hrefs) {
    const id = href.slice(1);
    const text = (await summary.locator(`a[href="${href}"]`).innerText()).trim();
    await summary.locator(`a[href="${href}"]`).click();
    const focused = await page.evaluate(() => document.activeElement && document.activeElement.id);
    assert.equal(focused, id, `the link to ${href} moves focus to the field`);
    // The message is beside the field and is the field's description; the field is invalid.
    const tie = await page.evaluate((id) => {
      const el = document.getElementById(id);
      const control = el.matches("input, select, textarea") ? el : el.querySelector("input, select, textarea");
      // A group (fieldset) carries the description; its choices carry aria-invalid.
      const described = `${el.getAttribute("aria-describedby") || ""} ${control.getAttribute("aria-describedby") || ""}`
        .split(/\s+/)
        .map((d) => document.getElementById(d))
        .filter(Boolean)
        .map((d) => d.textContent.trim());
      return {
        invalid: control.getAttribute("aria-invalid"),
        described,
        inField: !!el.closest(".field.invalid") || el.classList.contains("invalid"),
      };
    }, id);
    assert.ok(tie.inField, `#${id} is marked invalid`);
    assert.equal(tie.invalid, "true", `#${id} (or its first control) has aria-invalid="true"`);
    assert.ok(
      tie.described.some((d) => d.includes(text.replace(/^⚠\s*/, ""))),
      `#${id} is described by its message "${text}": ${JSON.stringify(tie.described)}`,
    );
  }
}

/** Where focus is now and whether it can be seen (an outline or a box shadow). */
function focusState(page) {
  return page.evaluate(() => {
    const el = document.activeElement;
    if (!el || el === document.body) return { none: true, visible: false, describe: "body" };
    const s = getComputedStyle(el);
    const outline = s.outlineStyle !== "none" && parseFloat(s.outlineWidth) > 0;
    const shadow = s.boxShadow && s.boxShadow !== "none";
    const r = el.getBoundingClientRect();
    const id = el.id ? `#${el.id}` : "";
    const text = (el.innerText || el.value || el.getAttribute("aria-label") || "").trim().slice(0, 40);
    return {
      none: false,
      visible: outline || shadow,
      onScreen: r.width > 0 && r.height > 0 && r.bottom > 0 && r.right > 0,
      describe: `${el.tagName.toLowerCase()}${id} "${text}"`,
      tag: el.tagName.toLowerCase(),
      id: el.id,
      type: el.getAttribute("type"),
    };
  });
}

/** Asserts that the focused element shows a focus indicator and is on screen. */
async function assertFocusVisible(page) {
  const f = await focusState(page);
  assert.ok(!f.none, `focus is lost (on <body>) at ${page.url()}`);
  assert.ok(f.visible, `the focused ${f.describe} has no visible focus indicator at ${page.url()}`);
  assert.ok(f.onScreen, `the focused ${f.describe} is not on screen at ${page.url()}`);
  return f;
}

module.exports = {
  HTML_LANG,
  assertFocusVisible,
  assertNoSidewaysScroll,
  assertTextFits,
  checkA11y,
  checkDates,
  checkErrorSummary,
  checkLang,
  checkReflow,
  checkTextResize,
  checkTextSpacing,
  focusState,
  shoot,
  visit,
};

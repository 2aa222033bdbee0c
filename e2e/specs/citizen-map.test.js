// The map of the report form, with tiles from a tile server this file runs on another loopback
// port (another origin, so the Content-Security-Policy must allow it): the tiles show, a click
// places the pin and fills the hidden lat/long, the report is filed with the place, and no
// CSP violation is logged (the harness fails a test on any console error). Without tiles the
// form has no map at all (citizen-report.test.js).

"use strict";

const assert = require("node:assert/strict");
const http = require("node:http");
const { configureServer, eachLanguage } = require("../lib/harness");
const { submit } = require("../lib/actions");
const { png } = require("../lib/images");

const tiles = { requests: [], origin: "" };

/** Serves a 256 px PNG for every /{z}/{x}/{y}.png and counts what was asked for. */
function startTileServer() {
  const tile = png(256, 256);
  const server = http.createServer((req, res) => {
    const m = req.url.match(/^\/(\d+)\/(\d+)\/(\d+)\.png$/);
    if (!m) {
      res.writeHead(404).end();
      return;
    }
    tiles.requests.push({ z: Number(m[1]), x: Number(m[2]), y: Number(m[3]) });
    res.writeHead(200, { "content-type": "image/png", "cache-control": "no-store" });
    res.end(tile);
  });
  server.unref();
  return new Promise((resolve) => {
    server.listen(0, "127.0.0.1", () => {
      tiles.origin = `http://127.0.0.1:${server.address().port}`;
      resolve(`${tiles.origin}/{z}/{x}/{y}.png`);
    });
  });
}

configureServer(async () => ({ env: { CIVICDESK_MAP_TILES: await startTileServer() } }));

eachLanguage("a citizen places the pin on the map and the report carries it", async ({ page, t, visit }) => {
  const before = tiles.requests.length;
  const response = await page.goto("/report/1999-L01");
  const csp = response.headers()["content-security-policy"] || "";
  assert.match(csp, new RegExp(`img-src [^;]*${tiles.origin.replace(/[.:/]/g, "\\$&")}`), `the CSP allows the tiles: ${csp}`);

  // The map is shown (the script unhides it) and its tiles load.
  const map = page.locator("#map");
  await map.waitFor({ state: "visible" });
  await page.waitForFunction(() => {
    const imgs = [...document.querySelectorAll("#map img.tile")];
    return imgs.length > 0 && imgs.every((i) => i.complete && i.naturalWidth === 256);
  });
  assert.ok(tiles.requests.length > before, "the tile server was asked for tiles");
  assert.ok(tiles.requests.slice(before).every((r) => r.z === 15), "at the starting zoom");
  await visit(page, "report-map");

  // A click places the pin and fills lat/long; the status line says so.
  assert.equal(await page.inputValue("input[name=lat]"), "");
  const box = await map.boundingBox();
  await map.click({ position: { x: box.width / 2 + 40, y: box.height / 2 - 30 } });
  const lat = Number(await page.inputValue("input[name=lat]"));
  const long = Number(await page.inputValue("input[name=long]"));
  assert.ok(lat > 25.0 && lat < 25.1, `lat ${lat} is in Taipei`);
  assert.ok(long > 121.5 && long < 121.6, `long ${long} is in Taipei`);
  assert.ok(long > 121.5637, "east of the centre, where the click was");
  assert.equal(await map.locator("svg.pin").count(), 1, "the pin is drawn");
  assert.match(await page.locator("[data-map-status]").innerText(), /25\.\d+, 121\.\d+/);

  // The keyboard moves the map and places the pin too.
  await map.focus();
  await page.keyboard.press("ArrowLeft");
  await page.keyboard.press("Enter");
  const keyed = Number(await page.inputValue("input[name=long]"));
  assert.ok(keyed < 121.5637, `the pin moved west with the map (${keyed})`);
  // Back to the clicked place.
  await map.click({ position: { x: box.width / 2, y: box.height / 2 } });
  const pinned = { lat: await page.inputValue("input[name=lat]"), long: await page.inputValue("input[name=long]") };

  // The rest of the report, then filed with the place.
  await page.fill("#f-attr-pole_number", "0505364");
  await page.fill("#f-attr-lamps_out", "1");
  await page.locator("#f-attr-fault input[type=checkbox]").first().check();
  await page.fill("#f-description", t("地圖上標示的路燈不亮。", "The light at the pin is out."));
  await page.fill("#f-last-name", t("陳", "Chen"));
  await page.fill("#f-first-name", t("大文", "Da-wen"));
  await page.check("#f-notify-none");
  await page.check("#f-consent");
  await visit(page, "report-map-pinned");
  assert.equal(await submit(page, "main form button[type=submit]"), 200);
  const number = (await page.locator(".facts .big-code").nth(0).innerText()).trim();
  await visit(page, "report-map-filed");

  // The case has the pin. Open311 shows the centre of its ~100 m cell, never the pin itself
  // (a report made at home must not locate the home): within half a cell of it.
  const api = await page.request.get(`/open311/v2/requests/${number}.json`);
  assert.equal(api.status(), 200, await api.text());
  const [found] = await api.json();
  const halfCellLat = 50 / 111320 + 1e-6;
  const halfCellLong = 50 / (111320 * Math.cos((25.05 * Math.PI) / 180)) + 1e-6;
  assert.ok(Math.abs(found.lat - Number(pinned.lat)) <= halfCellLat, `lat ${found.lat} is near the pin's ${pinned.lat}`);
  assert.ok(Math.abs(found.long - Number(pinned.long)) <= halfCellLong, `long ${found.long} is near the pin's ${pinned.long}`);
  assert.ok(found.lat !== Number(pinned.lat) || found.long !== Number(pinned.long), "the pin itself is not published");
});

eachLanguage("without the script the map stays hidden and the address is the way", async ({ page }) => {
  // As sent, the map block is hidden: only the script shows it. The district and address
  // fields are always there.
  const html = await (await page.request.get("/report/1999-L01")).text();
  assert.match(html, /<div class="map-block" data-map [^>]* hidden>/, "the map is hidden until the script runs");
  assert.match(html, /id="f-address"/);
  assert.match(html, /id="f-district"/);
});

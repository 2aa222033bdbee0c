// The Smart Desk kiosk: the front end of a locker device, speaking the device API
// (docs/COUNTER.md "Device API") exactly as a vendor's firmware would. The kiosk holds its
// device id, secret and the site's code key (given once at registration, passed in the URL
// fragment, which never reaches a server, and kept in this browser's storage). Every request is
// signed with HMAC-SHA256 over method, path, timestamp, nonce and the body's SHA-256. When the
// server cannot be reached it works from the last signed list of active code hashes and keeps
// its events, in order, to upload later. A clock the server says is off is corrected.
(function () {
  "use strict";
  var root = document.getElementById("kiosk");
  if (!root) { return; }
  var enc = new TextEncoder();
  var store = window.localStorage;
  var t = function (k) { return root.getAttribute("data-t-" + k) || ""; };
  var zh = (root.getAttribute("data-lang") || "").indexOf("zh") === 0;

  // Credentials from the fragment (once), then from storage.
  if (location.hash.length > 1) {
    var h = new URLSearchParams(location.hash.slice(1));
    ["device", "secret", "site_key"].forEach(function (k) {
      if (h.get(k)) { store.setItem("cd-kiosk-" + k, h.get(k)); }
    });
    history.replaceState(null, "", location.pathname + location.search);
  }
  var device = store.getItem("cd-kiosk-device");
  var secret = store.getItem("cd-kiosk-secret");
  var siteKey = store.getItem("cd-kiosk-site_key");
  var status = document.getElementById("status");
  var result = document.getElementById("result");
  if (!device || !secret) {
    document.getElementById("setup").hidden = false;
    document.getElementById("enter").hidden = true;
    return;
  }

  var skew = parseInt(store.getItem("cd-kiosk-skew") || "0", 10);
  var seq = parseInt(store.getItem("cd-kiosk-seq") || "0", 10);
  var pending = JSON.parse(store.getItem("cd-kiosk-pending") || "[]");
  var list = JSON.parse(store.getItem("cd-kiosk-list") || "null");

  function hex(buf) {
    return Array.prototype.map.call(new Uint8Array(buf), function (b) {
      return ("0" + b.toString(16)).slice(-2);
    }).join("");
  }
  function hmac(key, text) {
    return crypto.subtle.importKey("raw", enc.encode(key), { name: "HMAC", hash: "SHA-256" }, false, ["sign"])
      .then(function (k) { return crypto.subtle.sign("HMAC", k, enc.encode(text)); })
      .then(hex);
  }
  function sha256(text) { return crypto.subtle.digest("SHA-256", enc.encode(text)).then(hex); }
  function nonce() {
    var b = new Uint8Array(16);
    crypto.getRandomValues(b);
    return hex(b.buffer);
  }

  // One signed request; a clock the server calls off is corrected and the request signed again.
  function send(method, path, body, retried) {
    var text = body === null ? "" : JSON.stringify(body);
    var ts = Math.floor(Date.now() / 1000) + skew;
    var n = nonce();
    return sha256(text).then(function (digest) {
      var canonical = ["CDDEV1", method, path, String(ts), n, digest].join("\n");
      return hmac(secret, canonical);
    }).then(function (sig) {
      var headers = {
        "x-civicdesk-device": device,
        "x-civicdesk-timestamp": String(ts),
        "x-civicdesk-nonce": n,
        "x-civicdesk-signature": "v1=" + sig
      };
      if (body !== null) { headers["content-type"] = "application/json"; }
      return fetch(path, { method: method, headers: headers, body: body === null ? undefined : text });
    }).then(function (r) {
      return r.json().then(function (j) {
        if (r.status === 401 && j.error === "clock_skew" && !retried) {
          skew = j.server_time - Math.floor(Date.now() / 1000);
          store.setItem("cd-kiosk-skew", String(skew));
          return send(method, path, body, true);
        }
        return { status: r.status, body: j };
      });
    });
  }

  // Speech and large text, for people who see poorly.
  var speaking = false;
  function say(text) {
    if (!speaking || !window.speechSynthesis) { return; }
    var u = new SpeechSynthesisUtterance(text);
    u.lang = zh ? "zh-TW" : "en";
    window.speechSynthesis.cancel();
    window.speechSynthesis.speak(u);
  }
  function toggle(id, on) {
    var b = document.getElementById(id);
    b.addEventListener("click", function () {
      var pressed = b.getAttribute("aria-pressed") !== "true";
      b.setAttribute("aria-pressed", String(pressed));
      on(pressed);
    });
  }
  toggle("large", function (p) { document.body.classList.toggle("large", p); });
  toggle("speak", function (p) { speaking = p; if (p) { say(document.querySelector(".kiosk-lead").textContent); } });

  function show(text, ok) {
    result.textContent = text;
    result.className = "kiosk-result " + (ok ? "ok" : "bad");
    result.focus();
    say(text);
  }

  // Events: kept in order, uploaded when the server answers.
  function record(kind, extra) {
    seq += 1;
    store.setItem("cd-kiosk-seq", String(seq));
    var e = { seq: seq, kind: kind, at: Math.floor(Date.now() / 1000) + skew };
    Object.keys(extra).forEach(function (k) { e[k] = extra[k]; });
    pending.push(e);
    store.setItem("cd-kiosk-pending", JSON.stringify(pending));
    return flush();
  }
  function flush() {
    if (!pending.length) { return Promise.resolve(); }
    var batch = pending.slice(0, 500);
    return send("POST", "/device/v1/events", { events: batch }).then(function (r) {
      if (r.status === 200) {
        var done = batch[batch.length - 1].seq;
        pending = pending.filter(function (e) { return e.seq > done; });
        store.setItem("cd-kiosk-pending", JSON.stringify(pending));
        status.textContent = "";
      }
    }).catch(function () { status.textContent = t("offline"); });
  }
  function sync() {
    return send("GET", "/device/v1/list", null).then(function (r) {
      if (r.status === 200) {
        offlineWrong = {};
        list = r.body;
        store.setItem("cd-kiosk-list", JSON.stringify(list));
      }
    }).catch(function () { status.textContent = t("offline"); });
  }

  function e164(mobile) {
    var d = mobile.replace(/[^0-9]/g, "");
    if (d.indexOf("886") === 0) { d = d.slice(3); }
    if (d.charAt(0) === "0") { d = d.slice(1); }
    return "+886" + d;
  }

  // Offline: the code checked against the last list, the pickup kept to upload later. Wrong
  // codes are limited here as the server limits them (5 per mobile or QR, then no more until
  // the server answers again).
  var offlineWrong = {};
  function offline(ask) {
    var now = Math.floor(Date.now() / 1000) + skew;
    var who = ask.qr ? ask.qr.split(".")[1] : e164(ask.mobile || "");
    if (!list || !siteKey || now > list.valid_until || (!ask.qr && !ask.mobile) || (offlineWrong[who] || 0) >= 5) {
      show(t("no-signal"), false);
      return Promise.resolve();
    }
    var code = ask.code;
    var grantId = null;
    if (ask.qr) {
      var parts = ask.qr.split(".");
      grantId = parts[1];
      code = parts[2] || "";
    }
    return Promise.all([
      hmac(siteKey, "civicdesk-pickup-code\n" + code),
      ask.mobile ? hmac(siteKey + ":mobile", "civicdesk-pickup-code\n" + e164(ask.mobile)) : Promise.resolve(null)
    ]).then(function (hashes) {
      var g = list.grants.filter(function (x) {
        return x.code_hash === hashes[0] && x.expires_at > now &&
          (grantId ? x.grant === grantId : (hashes[1] !== null && x.mobile_hash === hashes[1]));
      })[0];
      if (!g || !g.door) {
        offlineWrong[who] = (offlineWrong[who] || 0) + 1;
        show(t("no-signal"), false);
        return;
      }
      list.grants = list.grants.filter(function (x) { return x.grant !== g.grant; });
      store.setItem("cd-kiosk-list", JSON.stringify(list));
      opened(g.door);
      return record("offline_pickup", { grant: g.grant, door: g.door, code: code }).then(function () {
        return record("door_opened", { door: g.door });
      });
    });
  }

  var openDoor = null;
  function opened(door) {
    openDoor = door;
    document.getElementById("door-label").textContent = door;
    document.getElementById("door").hidden = false;
    document.getElementById("enter").hidden = true;
    show(t("open-door") + " " + door, true);
  }

  function verify(ask) {
    result.textContent = "";
    status.textContent = t("checking");
    return send("POST", "/device/v1/verify", ask).then(function (r) {
      status.textContent = "";
      if (r.status !== 200) { show(r.body.error || "", false); return; }
      var a = r.body;
      var words = zh ? a.message_zh : a.message_en;
      if (a.result === "open") {
        opened(a.door);
        show(words + " " + a.door, true);
        return record("door_opened", { door: a.door });
      }
      show(words + (a.attempts_left !== undefined ? " (" + a.attempts_left + ")" : ""), false);
    }).catch(function () {
      status.textContent = t("offline");
      return offline(ask);
    });
  }

  var mobile = document.getElementById("mobile");
  var code = document.getElementById("code");
  var focused = mobile;
  [mobile, code].forEach(function (i) { i.addEventListener("focus", function () { focused = i; }); });
  document.querySelectorAll("[data-key]").forEach(function (b) {
    b.addEventListener("click", function () {
      var k = b.getAttribute("data-key");
      if (k === "clear") { focused.value = focused.value.slice(0, -1); }
      else if (k === "next") { code.focus(); }
      else { focused.value += k; }
      say(k === "clear" ? "" : k);
    });
  });
  document.getElementById("by-code").addEventListener("submit", function (ev) {
    ev.preventDefault();
    verify({ mobile: mobile.value, code: code.value });
  });
  document.getElementById("by-qr").addEventListener("submit", function (ev) {
    ev.preventDefault();
    var qr = document.getElementById("qr");
    verify({ qr: qr.value });
    qr.value = "";
  });
  document.getElementById("taken").addEventListener("click", function () {
    var door = openDoor;
    openDoor = null;
    document.getElementById("door").hidden = true;
    document.getElementById("enter").hidden = false;
    mobile.value = "";
    code.value = "";
    show(t("closed"), true);
    record("door_closed", { door: door, occupied: false });
  });

  sync();
  flush();
  setInterval(function () { sync(); flush(); }, 60000);
})();

// civicdesk progressive enhancement. Every page works without this file; it only adds
// conveniences: focus on the error summary, live category filtering, and the map pin.
(function () {
  "use strict";

  // An error summary takes focus so screen readers announce it first.
  var summary = document.querySelector("[data-focus]");
  if (summary) { summary.focus(); }

  // A hand-over to another site that takes a browser POST (a payment gateway's cashier): the
  // form goes at once; without script the person presses its button.
  var handover = document.querySelector("form[data-autosubmit]");
  if (handover) { handover.submit(); }

  // Live filtering of a list while typing (the search button still works without it). How
  // many items are left is said in the page's status region once typing pauses, so screen
  // reader users hear what sighted users see change (WCAG 4.1.3).
  var status = document.querySelector(".status-message");
  document.querySelectorAll("input[data-filter]").forEach(function (input) {
    var root = document.querySelector(input.getAttribute("data-filter"));
    if (!root) { return; }
    var timer = null;
    input.addEventListener("input", function () {
      var q = input.value.trim().toLowerCase();
      var total = 0;
      root.querySelectorAll("[data-group]").forEach(function (group) {
        var shown = 0;
        group.querySelectorAll("[data-terms]").forEach(function (item) {
          var hit = !q || item.getAttribute("data-terms").toLowerCase().indexOf(q) !== -1 ||
            item.textContent.toLowerCase().indexOf(q) !== -1;
          item.hidden = !hit;
          if (hit) { shown += 1; }
        });
        group.hidden = shown === 0;
        total += shown;
      });
      if (!status) { return; }
      clearTimeout(timer);
      timer = setTimeout(function () {
        // "#" stands for the number; one match has its own wording (English: "1 category").
        var found = (total === 1 && input.getAttribute("data-found-one")) ||
          (input.getAttribute("data-found") || "").replace("#", String(total));
        status.textContent = !q ? "" : total > 0 ? found : (input.getAttribute("data-none") || "");
      }, 500);
    });
  });

  // Passkeys (WebAuthn). A form marked data-passkey="create" or "get" is shown only where the
  // browser can make or use a passkey; on submit the script asks the form's data-challenge
  // route for the options (a same-site POST with the form's fields), lets the browser make or
  // use the passkey, puts its answer (WebAuthn JSON) in the form and sends it. Binary values
  // travel as base64url both ways.
  function fromB64u(s) {
    var b = atob(s.replace(/-/g, "+").replace(/_/g, "/") + "===".slice((s.length + 3) % 4));
    var out = new Uint8Array(b.length);
    for (var i = 0; i < b.length; i += 1) { out[i] = b.charCodeAt(i); }
    return out.buffer;
  }
  function toB64u(buf) {
    var bytes = new Uint8Array(buf);
    var s = "";
    for (var i = 0; i < bytes.length; i += 1) { s += String.fromCharCode(bytes[i]); }
    return btoa(s).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }
  function credentialJSON(c) {
    var r = c.response;
    var out = { id: c.id, rawId: toB64u(c.rawId), type: c.type, response: {},
      extensions: c.getClientExtensionResults ? c.getClientExtensionResults() : {} };
    out.response.clientDataJSON = toB64u(r.clientDataJSON);
    if (r.attestationObject) {
      out.response.attestationObject = toB64u(r.attestationObject);
      if (r.getTransports) { out.response.transports = r.getTransports(); }
    } else {
      out.response.authenticatorData = toB64u(r.authenticatorData);
      out.response.signature = toB64u(r.signature);
      if (r.userHandle) { out.response.userHandle = toB64u(r.userHandle); }
    }
    return out;
  }
  function PasskeyRefusal(message) { this.message = message; }
  var webauthn = window.PublicKeyCredential && navigator.credentials;
  document.querySelectorAll("form[data-passkey]").forEach(function (form) {
    if (!webauthn) { return; }
    var block = form.closest("[data-passkey-block]");
    if (block) { block.hidden = false; }
    document.querySelectorAll("[data-passkey-fallback]").forEach(function (p) { p.hidden = true; });
    var error = form.querySelector("[data-passkey-error]");
    var said = error ? error.textContent : "";
    var making = form.getAttribute("data-passkey") === "create";
    form.addEventListener("submit", function (event) {
      if (form.elements.credential.value) { return; }
      event.preventDefault();
      if (error) { error.hidden = true; }
      var body = new URLSearchParams(new FormData(form));
      body.delete("credential");
      fetch(form.getAttribute("data-challenge"), { method: "POST", body: body, credentials: "same-origin" })
        .then(function (r) {
          // An answer that is not JSON (a proxy's error page) says nothing to show: the page's
          // own words are shown instead.
          return r.json().catch(function () { return {}; }).then(function (j) {
            if (!r.ok || !j.options) { throw new PasskeyRefusal(j.message || ""); }
            return j;
          });
        })
        .then(function (answer) {
          form.elements.ceremony.value = answer.ceremony;
          var pk = answer.options.publicKey;
          pk.challenge = fromB64u(pk.challenge);
          if (making) {
            pk.user.id = fromB64u(pk.user.id);
            (pk.excludeCredentials || []).forEach(function (c) { c.id = fromB64u(c.id); });
            return navigator.credentials.create({ publicKey: pk });
          }
          (pk.allowCredentials || []).forEach(function (c) { c.id = fromB64u(c.id); });
          return navigator.credentials.get({ publicKey: pk });
        })
        .then(function (credential) {
          form.elements.credential.value = JSON.stringify(credentialJSON(credential));
          form.submit();
        })
        .catch(function (e) {
          if (!error) { return; }
          // The server's refusal in the page's language, or the page's own words for a
          // passkey the browser did not make or use (cancelled, timed out).
          var server = e instanceof PasskeyRefusal && e.message;
          error.textContent = server ? e.message : said;
          error.hidden = false;
        });
    });
  });

  // The map: a small slippy map over the configured tiles. Clicking (or Enter on the
  // focused map) sets the pin; arrow keys pan, + and - zoom. District and address remain
  // the way to give a place when tiles do not load.
  var block = document.querySelector("[data-map]");
  if (!block) { return; }
  var template = block.getAttribute("data-tiles");
  var el = block.querySelector(".map");
  var status = block.querySelector("[data-map-status]");
  var latInput = document.querySelector("[data-lat]");
  var longInput = document.querySelector("[data-long]");
  var zoom = 15;
  var center = { lat: 25.0375, lon: 121.5637 };
  var pin = null;
  if (latInput.value && longInput.value) {
    pin = { lat: parseFloat(latInput.value), lon: parseFloat(longInput.value) };
    center = { lat: pin.lat, lon: pin.lon };
  }
  var failures = 0;
  block.hidden = false;
  el.tabIndex = 0;

  function project(lat, lon, z) {
    var n = Math.pow(2, z) * 256;
    var s = Math.sin(lat * Math.PI / 180);
    return { x: (lon + 180) / 360 * n, y: (0.5 - Math.log((1 + s) / (1 - s)) / (4 * Math.PI)) * n };
  }
  function unproject(x, y, z) {
    var n = Math.pow(2, z) * 256;
    var lon = x / n * 360 - 180;
    var r = Math.PI - 2 * Math.PI * y / n;
    return { lat: 180 / Math.PI * Math.atan(0.5 * (Math.exp(r) - Math.exp(-r))), lon: lon };
  }
  function tileUrl(x, y, z) {
    return template.replace("{z}", z).replace("{x}", x).replace("{y}", y)
      .replace("{s}", "abc".charAt(Math.abs(x + y) % 3));
  }
  function draw() {
    var w = el.clientWidth, h = el.clientHeight;
    var c = project(center.lat, center.lon, zoom);
    var left = c.x - w / 2, top = c.y - h / 2;
    el.textContent = "";
    for (var tx = Math.floor(left / 256); tx <= Math.floor((left + w) / 256); tx++) {
      for (var ty = Math.floor(top / 256); ty <= Math.floor((top + h) / 256); ty++) {
        var img = document.createElement("img");
        img.className = "tile";
        img.alt = "";
        img.src = tileUrl(tx, ty, zoom);
        img.style.left = (tx * 256 - left) + "px";
        img.style.top = (ty * 256 - top) + "px";
        img.onerror = function () {
          failures += 1;
          if (failures === 4) { status.textContent = block.getAttribute("data-offline") || ""; }
        };
        el.appendChild(img);
      }
    }
    if (pin) {
      var p = project(pin.lat, pin.lon, zoom);
      var marker = document.createElementNS("http://www.w3.org/2000/svg", "svg");
      marker.setAttribute("class", "pin");
      marker.setAttribute("viewBox", "0 0 24 24");
      marker.setAttribute("aria-hidden", "true");
      marker.innerHTML = '<path d="M12 0C7 0 3 4 3 9c0 7 9 15 9 15s9-8 9-15c0-5-4-9-9-9z" fill="#a4161a" stroke="#fff" stroke-width="2"/>';
      marker.style.left = (p.x - left) + "px";
      marker.style.top = (p.y - top) + "px";
      el.appendChild(marker);
    }
  }
  function setPin(lat, lon) {
    pin = { lat: lat, lon: lon };
    latInput.value = lat.toFixed(6);
    longInput.value = lon.toFixed(6);
    status.textContent = (block.getAttribute("data-pinned") || "") + " " + lat.toFixed(5) + ", " + lon.toFixed(5);
    draw();
  }
  el.addEventListener("click", function (ev) {
    var rect = el.getBoundingClientRect();
    var c = project(center.lat, center.lon, zoom);
    var x = c.x - el.clientWidth / 2 + (ev.clientX - rect.left);
    var y = c.y - el.clientHeight / 2 + (ev.clientY - rect.top);
    var ll = unproject(x, y, zoom);
    setPin(ll.lat, ll.lon);
  });
  el.addEventListener("keydown", function (ev) {
    var c = project(center.lat, center.lon, zoom);
    var step = 64, handled = true;
    if (ev.key === "ArrowLeft") { c.x -= step; }
    else if (ev.key === "ArrowRight") { c.x += step; }
    else if (ev.key === "ArrowUp") { c.y -= step; }
    else if (ev.key === "ArrowDown") { c.y += step; }
    else if (ev.key === "+" || ev.key === "=") { zoom = Math.min(19, zoom + 1); c = null; }
    else if (ev.key === "-") { zoom = Math.max(3, zoom - 1); c = null; }
    else if (ev.key === "Enter" || ev.key === " ") { setPin(center.lat, center.lon); c = null; }
    else { handled = false; }
    if (c) { center = unproject(c.x, c.y, zoom); }
    if (handled) { ev.preventDefault(); draw(); }
  });
  block.querySelectorAll("[data-map-zoom]").forEach(function (b) {
    b.addEventListener("click", function () {
      zoom = Math.max(3, Math.min(19, zoom + parseInt(b.getAttribute("data-map-zoom"), 10)));
      draw();
    });
  });
  var locate = block.querySelector("[data-map-locate]");
  if (locate) {
    if (!navigator.geolocation) { locate.hidden = true; }
    locate.addEventListener("click", function () {
      navigator.geolocation.getCurrentPosition(function (pos) {
        center = { lat: pos.coords.latitude, lon: pos.coords.longitude };
        setPin(center.lat, center.lon);
      }, function () { status.textContent = block.getAttribute("data-no-location") || ""; });
    });
  }
  window.addEventListener("resize", draw);
  draw();
})();

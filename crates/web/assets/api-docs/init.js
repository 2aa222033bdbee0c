// Starts Swagger UI on the civicdesk OpenAPI document. A separate file, because the
// Content-Security-Policy allows no inline script.
window.addEventListener("load", function () {
  window.ui = SwaggerUIBundle({
    url: "/api/v1/openapi.json",
    dom_id: "#swagger-ui",
    presets: [SwaggerUIBundle.presets.apis],
    plugins: [SwaggerUIBundle.plugins.DownloadUrl],
    layout: "BaseLayout",
    // Deep links would put a link inside each operation's toggle button (a control nested in
    // a control, which assistive technology cannot reach: axe's nested-interactive).
    deepLinking: false,
    // No badge from the public validator: nothing leaves this server.
    validatorUrl: null,
    // Same-origin requests carry the session cookie; the CSRF token goes in "Authorize".
    withCredentials: true,
    persistAuthorization: false,
  });
  // The servers <select> has no label of its own: name it, and again whenever it is redrawn.
  var name = function () {
    var servers = document.getElementById("servers");
    if (servers && !servers.hasAttribute("aria-label")) {
      servers.setAttribute("aria-label", "Server");
    }
  };
  new MutationObserver(name).observe(document.getElementById("swagger-ui"), {
    childList: true,
    subtree: true,
  });
  name();
});

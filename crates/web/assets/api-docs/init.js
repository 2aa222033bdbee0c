// Starts Swagger UI on the civicdesk OpenAPI document. A separate file, because the
// Content-Security-Policy allows no inline script.
window.addEventListener("load", function () {
  window.ui = SwaggerUIBundle({
    url: "/api/v1/openapi.json",
    dom_id: "#swagger-ui",
    presets: [SwaggerUIBundle.presets.apis],
    plugins: [SwaggerUIBundle.plugins.DownloadUrl],
    layout: "BaseLayout",
    deepLinking: true,
    // No badge from the public validator: nothing leaves this server.
    validatorUrl: null,
    // Same-origin requests carry the session cookie; the CSRF token goes in "Authorize".
    withCredentials: true,
    persistAuthorization: false,
  });
});

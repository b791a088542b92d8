// /docs: Swagger UI, vendored under static/ (the Content-Security-Policy allows no CDN), reading
// this server's /openapi.json.
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    if (typeof window.SwaggerUIBundle !== "function") { return; }
    window.SwaggerUIBundle({ url: "/openapi.json", dom_id: "#swagger-ui", deepLinking: false,
                             tryItOutEnabled: false, syntaxHighlight: false });
  });
})();

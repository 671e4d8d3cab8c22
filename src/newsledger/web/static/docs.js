/* Swagger UI from the vendored swagger-ui-dist bundle; kept out of the page for the CSP. */
document.addEventListener("DOMContentLoaded", function () {
  "use strict";
  var el = document.getElementById("swagger-ui");
  if (!el || typeof SwaggerUIBundle === "undefined") return;
  SwaggerUIBundle({ url: el.dataset.specUrl, dom_id: "#swagger-ui", deepLinking: true,
                    validatorUrl: null, tryItOutEnabled: false });
});

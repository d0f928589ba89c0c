// Starts Swagger UI from a file, so the Content-Security-Policy needs no inline script.
window.addEventListener("load", function () {
  var root = document.getElementById("swagger-ui");
  window.ui = SwaggerUIBundle({
    url: root.dataset.specUrl,
    dom_id: "#swagger-ui",
    deepLinking: true,
    validatorUrl: null, // no call to an online validator: the docs work offline
    persistAuthorization: false,
    tryItOutEnabled: false,
  });
});

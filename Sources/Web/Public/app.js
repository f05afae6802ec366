// Progressive enhancement only: every page works without this file.
document.addEventListener("DOMContentLoaded", function () {
  // 7-4 / 3-2: the eye icon toggles password visibility.
  document.querySelectorAll("[data-toggle-password]").forEach(function (button) {
    var input = document.getElementById(button.getAttribute("data-toggle-password"));
    if (!input) return;
    button.hidden = false;
    button.addEventListener("click", function () {
      var show = input.type === "password";
      input.type = show ? "text" : "password";
      button.setAttribute("aria-pressed", show ? "true" : "false");
      button.setAttribute("aria-label", button.getAttribute(show ? "data-hide-label" : "data-show-label"));
    });
  });
  // response_mode=form_post: send the authorization response on to the app.
  var auto = document.querySelector("form[data-auto-submit]");
  if (auto) auto.submit();
});

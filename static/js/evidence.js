// The application form's evidence, evaluated as it is typed: the conditions of the level it
// meets and, when it meets none, a warning before submitting (the server draws the fragment).
(function () {
  "use strict";
  const panel = document.getElementById("declared");
  if (!panel) return;
  const form = panel.closest("form");
  let timer = null;
  // Only the evidence goes into the address: never a name, an ID number or a password.
  const EVIDENCE = /^(programme|years_of_work|has_certificate|certificate_\w+|has_title|title_\w+|education_\w+)$/;

  function query() {
    const data = new FormData(form);
    const params = new URLSearchParams();
    for (const [name, value] of data.entries()) {
      if (typeof value === "string" && EVIDENCE.test(name)) {
        params.append(name, value);
      }
    }
    if (panel.dataset.programme) params.set("programme", panel.dataset.programme);
    return params;
  }

  async function refresh() {
    try {
      const response = await fetch(panel.dataset.url + "?" + query(), {
        headers: { Accept: "text/html" },
      });
      if (response.ok) panel.innerHTML = await response.text();
    } catch (error) {
      // Offline for a moment: the page keeps the last evaluation; submitting checks anyway.
    }
  }

  function soon(event) {
    if (event.target.type === "file" || event.target.type === "password") return;
    clearTimeout(timer);
    timer = setTimeout(refresh, 300);
  }

  form.addEventListener("change", soon);
  form.addEventListener("input", soon);
  refresh();
})();

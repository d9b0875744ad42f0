// The print button of printable pages (no inline script: the page works under a strict CSP).
for (const button of document.querySelectorAll("[data-print]")) {
  button.addEventListener("click", () => window.print());
}

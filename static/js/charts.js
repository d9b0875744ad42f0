// Draws the figures the server built: each <div data-figure="ID"> takes the JSON of
// <script type="application/json" id="ID"> (data, not code, so a strict CSP allows it).
// Loaded with `defer` after plotly.js (templates/macros/forms.html): it runs once the page is
// parsed and plotly.js has arrived, and never holds up the text.
for (const element of document.querySelectorAll("[data-figure]")) {
  const source = document.getElementById(element.dataset.figure);
  if (!source || !window.Plotly) continue;
  const figure = JSON.parse(source.textContent);
  window.Plotly.newPlot(element, figure.data, figure.layout, {
    displayModeBar: false,
    responsive: true,
  });
}

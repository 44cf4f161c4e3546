// Render the math that pymdownx.arithmatex (generic mode) leaves in .arithmatex elements:
// \( ... \) inline, \[ ... \] display. KaTeX is vendored under assets/katex/ (no CDN).
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll(".arithmatex").forEach(function (element) {
    renderMathInElement(element, {
      delimiters: [
        { left: "\\(", right: "\\)", display: false },
        { left: "\\[", right: "\\]", display: true },
      ],
      throwOnError: false,
    });
  });
});

// MathJax 2 configuration; the library itself is served from assets/mathjax.
// Markdown pages mark math with \( \) and \[ \] (pymdownx.arithmatex);
// notebook pages use $ and $$.
window.MathJax = {
  tex2jax: {
    inlineMath: [["\\(", "\\)"], ["$", "$"]],
    displayMath: [["\\[", "\\]"], ["$$", "$$"]],
    processEscapes: true,
    processEnvironments: true,
  },
  TeX: { equationNumbers: { autoNumber: "none" } },
  messageStyle: "none",
  showMathMenu: false,
  // The bundled MathJax (from jupyter-server-mathjax) ships the STIX web fonts.
  "HTML-CSS": {
    availableFonts: [],
    preferredFont: null,
    webFont: "STIX-Web",
    imageFont: null,
    linebreaks: { automatic: true },
  },
};

// mkdocs-material swaps pages without reloading when instant loading is on.
if (typeof document$ !== "undefined") {
  document$.subscribe(() => {
    if (window.MathJax && window.MathJax.Hub) {
      window.MathJax.Hub.Queue(["Typeset", window.MathJax.Hub]);
    }
  });
}

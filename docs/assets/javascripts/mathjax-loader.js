// MathJax (about 0.9 MB with its fonts) loads only on pages that have math:
// formulas marked by pymdownx.arithmatex, or $…$, \( \) or \[ \] in a
// notebook's Markdown. The site checks look for unrendered TeX the same way.
(() => {
  const tex = /\$[^$\n]+\$|\\\(|\\\[/;
  const math =
    document.querySelector(".arithmatex") ||
    [...document.querySelectorAll(".jp-RenderedMarkdown")].some((cell) =>
      tex.test(cell.textContent),
    );
  if (!math) return;
  const script = document.createElement("script");
  script.src = new URL(
    "../mathjax/MathJax.js?config=TeX-AMS-MML_HTMLorMML-full",
    document.currentScript.src,
  ).href;
  document.head.append(script);
})();

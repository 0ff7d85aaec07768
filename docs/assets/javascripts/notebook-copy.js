// Copy buttons for code blocks inside notebook Markdown cells, which
// mkdocs-jupyter renders without the theme's own: the theme's clipboard
// handler serves any element with a data-clipboard-target.
document$.subscribe(() => {
  document
    .querySelectorAll(".jp-RenderedMarkdown div.highlight pre")
    .forEach((pre, index) => {
      if (pre.querySelector(".md-clipboard")) return;
      if (!pre.id) pre.id = `__notebook_code_${index}`;
      const button = document.createElement("button");
      button.className = "md-clipboard md-icon";
      button.title = "Copy to clipboard";
      button.setAttribute("data-clipboard-target", `#${pre.id}`);
      pre.prepend(button);
    });
});

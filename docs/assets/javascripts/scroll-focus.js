// A box that scrolls sideways (a long code line, a printed table) takes
// keyboard focus, so that its hidden part can be reached with the arrow keys;
// a box that fits stays out of the tab order. Checked again on resize, since
// what overflows on a phone fits on a desktop.
document$.subscribe(() => {
  const boxes = [...document.querySelectorAll("article pre, article div")].filter(
    (box) => ["auto", "scroll"].includes(getComputedStyle(box).overflowX),
  );
  const update = () => {
    for (const box of boxes) {
      const hidden = box.scrollWidth > box.clientWidth + 1;
      const reachable = box.querySelector("a, button, input, [tabindex]");
      if (hidden && !reachable && !box.hasAttribute("tabindex")) {
        box.setAttribute("tabindex", "0");
        box.dataset.scrollFocus = "";
      } else if (!hidden && "scrollFocus" in box.dataset) {
        box.removeAttribute("tabindex");
        delete box.dataset.scrollFocus;
      }
    }
  };
  update();
  let pending = 0;
  window.addEventListener("resize", () => {
    cancelAnimationFrame(pending);
    pending = requestAnimationFrame(update);
  });
});

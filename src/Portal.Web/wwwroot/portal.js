// The few browser facts the pane needs from JavaScript.
window.portal = {
  timeZone: () => Intl.DateTimeFormat().resolvedOptions().timeZone || null,
  // Keeps a running activity's log at its newest line, unless the user scrolled up to read.
  followLog: (element) => {
    if (!element) return;
    const nearEnd = element.scrollHeight - element.scrollTop - element.clientHeight < 48;
    if (nearEnd || !element.dataset.followed) {
      element.scrollTop = element.scrollHeight;
      element.dataset.followed = "1";
    }
  },
  // Scrolls the container's current item (aria-current) into view, e.g. the selected environment of a long tree.
  revealCurrent: (selector) => {
    document.querySelector(selector)?.querySelector("[aria-current=page]")?.scrollIntoView({ block: "nearest" });
  },
  copy: (text) => navigator.clipboard ? navigator.clipboard.writeText(text) : Promise.resolve(),
};

// The reconnect dialog's "Reload the page" buttons (no inline handlers: the CSP forbids inline script).
document.addEventListener("click", (event) => {
  if (event.target instanceof Element && event.target.closest("[data-portal-reload]")) location.reload();
});

// "/" focuses the environment filter, as in many code hosts; never while the user is typing in a field.
document.addEventListener("keydown", (event) => {
  if (event.key !== "/" || event.ctrlKey || event.metaKey || event.altKey || event.defaultPrevented) return;
  const target = event.target;
  if (target instanceof Element && target.closest("input, textarea, select, [contenteditable=''], [contenteditable=true]")) return;
  const filter = document.querySelector("[data-portal-filter] input");
  if (!filter) return;
  event.preventDefault();
  filter.focus();
});

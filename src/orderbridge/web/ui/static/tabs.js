// Tabs for the sections of a detail page (WAI-ARIA tabs pattern, automatic activation).
// Without this script the tab list stays hidden and every section shows one below the
// other, so nothing depends on it. Left/Right arrows move between tabs, Home/End jump.
document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll("[data-tabs]").forEach((box) => {
    const list = box.querySelector("[role=tablist]");
    if (!list) return;
    const tabs = Array.from(list.querySelectorAll("[role=tab]"));
    const panelOf = (tab) => document.getElementById(tab.getAttribute("aria-controls"));
    const select = (chosen, focus) => {
      tabs.forEach((tab) => {
        const on = tab === chosen;
        tab.setAttribute("aria-selected", on ? "true" : "false");
        tab.tabIndex = on ? 0 : -1;
        panelOf(tab).hidden = !on;
      });
      if (focus) chosen.focus();
    };
    list.hidden = false;
    box.classList.add("tabs-on");
    const first = tabs.find((tab) => tab.getAttribute("aria-selected") === "true") || tabs[0];
    select(first, false);
    tabs.forEach((tab, index) => {
      tab.addEventListener("click", () => select(tab, true));
      tab.addEventListener("keydown", (event) => {
        const moves = {
          ArrowRight: (index + 1) % tabs.length,
          ArrowLeft: (index - 1 + tabs.length) % tabs.length,
          Home: 0,
          End: tabs.length - 1,
        };
        if (!(event.key in moves)) return;
        event.preventDefault();
        select(tabs[moves[event.key]], true);
      });
    });
  });
});

// The scheduled exports list reloads itself every few seconds while someone watches it.
// It waits while the tab is hidden (nobody watches) and while a field, checkbox, button or
// open "Cancel…" has focus (a reload would throw away what the user is doing). The choice
// to switch it off is kept in localStorage. Without this script the Refresh link does it.
document.addEventListener("DOMContentLoaded", () => {
  const KEY = "orderbridge.scheduled.autoRefresh";
  const box = document.getElementById("auto-refresh");
  const wrapper = document.getElementById("auto-refresh-box");
  if (!box || !wrapper) return;
  wrapper.hidden = false;
  box.checked = localStorage.getItem(KEY) !== "off";
  box.addEventListener("change", () => localStorage.setItem(KEY, box.checked ? "on" : "off"));
  const seconds = Number(box.dataset.seconds) || 10;
  const busy = () => {
    const active = document.activeElement;
    if (active && active !== box && active.matches("input, select, textarea, button, summary")) {
      return true;
    }
    return document.querySelector("details[open]") !== null;
  };
  setInterval(() => {
    if (!box.checked || document.visibilityState !== "visible" || busy()) return;
    // Reload the list itself, without a confirmation shown after an earlier action.
    const url = new URL(window.location.href);
    url.searchParams.delete("notice");
    url.searchParams.delete("problem");
    window.location.replace(url.toString());
  }, seconds * 1000);
});

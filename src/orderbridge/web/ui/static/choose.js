// Ticking rows: "choose all" and the count beside the editing toolbar. The forms work
// without it; this only saves clicks.
document.addEventListener("DOMContentLoaded", () => {
  const all = document.getElementById("choose-all");
  const count = document.getElementById("chosen-count");
  const boxes = () => Array.from(document.querySelectorAll("tbody input[type=checkbox]"));
  const noun = (count && count.dataset.noun) || "order";
  const update = () => {
    const n = boxes().filter((box) => box.checked).length;
    if (count) count.textContent = n ? `${n} ${noun}${n === 1 ? "" : "s"} chosen` : `No ${noun} chosen`;
  };
  if (all) all.addEventListener("change", () => { boxes().forEach((b) => { b.checked = all.checked; }); update(); });
  boxes().forEach((box) => box.addEventListener("change", update));
  update();
});

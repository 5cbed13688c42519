// Keyboard-first answers for helpline nurses: "/" focuses the box, arrows or 1-6 choose an
// answer, Enter opens it, "c" copies the passage with its link for an email to the caller.
(function () {
  "use strict";
  const box = document.getElementById("q");
  const status = document.getElementById("copy-status");

  function answers() { return [...document.querySelectorAll(".answer")]; }
  function selected() { return document.querySelector(".answer.selected"); }

  function select(index) {
    const all = answers();
    if (!all.length) return;
    const chosen = all[Math.max(0, Math.min(index, all.length - 1))];
    for (const answer of all) {
      const on = answer === chosen;
      answer.classList.toggle("selected", on);
      const snippet = answer.querySelector(".snippet");
      const passage = answer.querySelector(".passage");
      if (snippet) snippet.hidden = on;
      if (passage) passage.hidden = !on;
    }
    chosen.focus({ preventScroll: true });
    chosen.scrollIntoView({ block: "nearest" });
  }

  async function copy(answer) {
    if (!answer) return;
    const text = answer.querySelector(".copy-text").value;
    try {
      await navigator.clipboard.writeText(text);
    } catch (error) {  // older browsers, or no clipboard permission: select-and-copy instead
      const area = answer.querySelector(".copy-text");
      area.hidden = false; area.select(); document.execCommand("copy"); area.hidden = true;
    }
    document.body.dataset.copied = text;
    status.textContent = "Passage and link copied";
  }

  document.addEventListener("click", function (event) {
    const button = event.target.closest(".copy");
    if (button) copy(button.closest(".answer"));
  });

  document.addEventListener("keydown", function (event) {
    const typing = event.target === box;
    const index = answers().indexOf(selected());
    if (event.key === "/" && !typing) { event.preventDefault(); box.focus(); box.select(); return; }
    if (event.key === "ArrowDown") { event.preventDefault(); select(index + 1); return; }
    if (event.key === "ArrowUp") {
      event.preventDefault();
      if (index <= 0 && !typing) box.focus(); else select(index - 1);
      return;
    }
    if (typing) return;
    if (/^[1-6]$/.test(event.key)) { select(Number(event.key) - 1); return; }
    if (event.key === "Enter" && selected()) { window.location.href = selected().dataset.link; return; }
    if (event.key === "c" && !event.ctrlKey && !event.metaKey) copy(selected());
  });
})();

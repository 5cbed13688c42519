// Keyboard-first answers for helpline nurses: "/" focuses the box, arrows or 1-6 choose an
// answer, Enter opens it, "c" copies the passage with its link for an email to the caller.
// A nurse's choice is never undone behind her back: a redraw keeps the chosen answer.
(function () {
  "use strict";
  const box = document.getElementById("q");
  const form = box.form;
  const status = document.getElementById("status");
  const container = document.getElementById("answers");
  let chosenKey = null;      // the answer the nurse picked, by its section key
  let hadFocus = false;      // focus was on the answers when a redraw started

  function answers() { return [...document.querySelectorAll(".answer")]; }
  function selected() { return document.querySelector(".answer.selected"); }

  function show(answer, on) {
    answer.classList.toggle("selected", on);
    if (on) answer.setAttribute("aria-current", "true"); else answer.removeAttribute("aria-current");
    const snippet = answer.querySelector(".snippet");
    const passage = answer.querySelector(".passage");
    if (snippet) snippet.hidden = on;
    if (passage) passage.hidden = !on;
  }

  function select(index, focus) {
    const all = answers();
    if (!all.length) return;
    const chosen = all[Math.max(0, Math.min(index, all.length - 1))];
    for (const answer of all) show(answer, answer === chosen);
    chosenKey = chosen.dataset.key;
    if (focus !== false) {
      chosen.focus({ preventScroll: true });
      chosen.scrollIntoView({ block: "nearest" });
    }
  }

  function prepare() {  // copying needs this script, so the buttons appear only with it
    for (const button of document.querySelectorAll(".answer .copy")) button.hidden = false;
  }

  async function copy(answer) {
    if (!answer) return;
    const area = answer.querySelector(".copy-text");
    const text = area.value;
    try {
      await navigator.clipboard.writeText(text);
    } catch (error) {  // older browsers, or no clipboard permission: select-and-copy instead
      area.hidden = false; area.select(); document.execCommand("copy"); area.hidden = true;
    }
    document.body.dataset.copied = text;
    for (const other of answers()) other.classList.toggle("copied", other === answer);
    const heading = answer.querySelector(".pick").textContent.trim();
    status.textContent = "Copied answer " + answer.dataset.index + " (" + heading + ") with its link";
  }

  // A redraw (new results for the same search) keeps the nurse's answer and focus.
  document.addEventListener("results:updating", function () {
    hadFocus = container.contains(document.activeElement);
  });
  document.addEventListener("results:updated", function () {
    prepare();
    const keys = answers().map(function (a) { return a.dataset.key; });
    const index = chosenKey === null ? -1 : keys.indexOf(chosenKey);
    if (index >= 0) select(index, hadFocus);
    else chosenKey = null;
  });
  box.addEventListener("input", function () { chosenKey = null; });  // a new question, a new choice

  document.addEventListener("click", function (event) {
    const button = event.target.closest(".copy");
    if (button) { copy(button.closest(".answer")); return; }
    const answer = event.target.closest(".answer");
    if (!answer || event.target.closest("a:not(.pick), button, textarea")) return;
    if (window.getSelection().toString()) return;  // selecting text to copy by hand
    event.preventDefault();
    select(answers().indexOf(answer));
  });

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    const typing = event.target === box;
    const index = answers().indexOf(selected());
    if (typing && event.key === "Enter" && !event.shiftKey) {
      event.preventDefault();
      form.requestSubmit();
      return;
    }
    if (event.key === "/" && !typing) { event.preventDefault(); box.focus(); box.select(); return; }
    if (event.key === "ArrowDown") {
      // from the box, Down moves the caret until it reaches the end of the question
      if (typing && box.selectionEnd < box.value.length) return;
      event.preventDefault();
      select(typing ? 0 : index + 1);
      return;
    }
    if (event.key === "ArrowUp" && !typing) {
      event.preventDefault();
      if (index <= 0) box.focus(); else select(index - 1);
      return;
    }
    if (typing) return;
    if (/^[1-6]$/.test(event.key)) { select(Number(event.key) - 1); return; }
    if (event.key === "Enter" && event.target.classList.contains("pick")) {
      event.preventDefault();
      select(answers().indexOf(event.target.closest(".answer")));
      return;
    }
    const onControl = event.target.closest("a, button");
    if (event.key === "Enter" && !onControl && selected()) {
      window.location.href = selected().dataset.link;
      return;
    }
    if (event.key === "c") copy(event.target.closest(".answer") || selected());
  });

  // A pasted paragraph shows in full: browsers without CSS field-sizing grow the box here.
  if (!(window.CSS && CSS.supports("field-sizing", "content"))) {
    const grow = function () { box.style.height = "auto"; box.style.height = box.scrollHeight + "px"; };
    box.addEventListener("input", grow);
    grow();
  }
  prepare();
  box.setSelectionRange(box.value.length, box.value.length);  // a textarea puts the caret first
  const picked = selected();  // the page was asked for with another answer chosen (no-script link)
  if (picked && picked.dataset.index !== "1") select(answers().indexOf(picked));
})();

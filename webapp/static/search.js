// As-you-type results and title/heading suggestions. The page works without this file:
// it only fetches the same server-rendered block the full page shows, so both always agree.
(function () {
  "use strict";
  const form = document.querySelector("form[data-live]");
  if (!form) return;
  const box = form.querySelector("[name=q]");
  const target = document.getElementById(form.dataset.live);
  const status = document.getElementById("status");
  const list = document.getElementById("suggestions");
  const endpoint = form.getAttribute("action");
  const blankTitle = form.dataset.title || document.title;
  let timer = null;
  let settle = null;
  let latest = 0;
  let drawn = { key: null, html: null };  // what the results block shows now, and for which search

  function params() {
    const data = new URLSearchParams(new FormData(form));
    for (const [key, value] of [...data.entries()]) if (!value.trim()) data.delete(key);
    return data;
  }

  // Back should step through searches, not keystrokes: the first update after a settled
  // search adds a history entry, later updates while typing replace it.
  function remember(url, settled) {
    if (url === location.pathname + location.search) {
      if (settled && history.state && history.state.typing) history.replaceState({ typing: false }, "", url);
      return;
    }
    if (history.state && history.state.typing) history.replaceState({ typing: !settled }, "", url);
    else history.pushState({ typing: !settled }, "", url);
  }

  function announce(text) { if (status) status.textContent = text; }

  function draw(key, html) {
    if (drawn.key === key && drawn.html === html) return;  // nothing new: leave the reader where they are
    document.dispatchEvent(new CustomEvent("results:updating"));
    target.innerHTML = html;
    drawn = { key: key, html: html };
    const block = target.querySelector("[data-summary]");
    announce(block ? block.dataset.summary : "");
    document.dispatchEvent(new CustomEvent("results:updated"));
  }

  // `fromHistory`: show the search the address names (Back, Forward), without a new entry.
  async function refresh(settled, fromHistory) {
    const data = fromHistory ? new URLSearchParams(location.search) : params();
    const ticket = ++latest;
    const text = data.get("q");
    if (!text) {
      draw("", "");
      document.title = blankTitle;
      if (!fromHistory && location.search) remember(endpoint, false);
      return;
    }
    const key = data.toString();
    if (!fromHistory) remember(endpoint + "?" + key, settled);
    document.title = text.trim().replace(/\s+/g, " ").slice(0, 60) + " - " + blankTitle;
    data.set("partial", "1");
    if (settled) data.set("settled", "1");  // counted once in the editors' insights
    const response = await fetch(endpoint + "?" + data.toString());
    if (ticket !== latest) return;  // a newer keystroke has already asked again
    draw(key, response.ok ? await response.text() : "");
    if (settled) form.dataset.settled = key;  // for tests: this search has been shown and counted
  }

  async function suggest() {
    if (!list) return;
    const text = box.value.trim();
    if (text.length < 2) { list.innerHTML = ""; return; }
    const response = await fetch("/api/suggest?q=" + encodeURIComponent(text));
    if (!response.ok) return;
    const data = await response.json();
    list.innerHTML = "";
    for (const item of data.suggestions) {
      const option = document.createElement("option");
      option.value = item.label;
      list.appendChild(option);
    }
  }

  function reset() {
    clearTimeout(timer);
    clearTimeout(settle);
    latest++;  // answers still on their way are dropped
    box.value = "";
    draw("", "");
    announce("");
    history.replaceState(null, "", endpoint);
    document.title = blankTitle;
    box.focus();
  }

  box.addEventListener("input", function () {
    clearTimeout(timer);
    clearTimeout(settle);
    timer = setTimeout(function () { refresh(false); suggest(); }, 250);
    settle = setTimeout(function () { refresh(true); }, 1500);
  });
  form.addEventListener("change", function (event) { if (event.target !== box) refresh(true); });
  if (form.hasAttribute("data-escape-clears")) {  // the nurses' page: Escape starts a new call
    document.addEventListener("keydown", function (event) {
      if (event.key === "Escape") { event.preventDefault(); reset(); }
    });
  }
  // Back and Forward between searches made while typing: show the search the address names.
  window.addEventListener("popstate", function () {
    const data = new URLSearchParams(location.search);
    box.value = data.get("q") || "";
    const topic = form.querySelector("[name=topic]");
    if (topic) topic.value = data.get("topic") || "";
    refresh(false, true);
  });
})();

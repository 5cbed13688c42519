// As-you-type results and title/heading suggestions. The page works without this file:
// it only fetches the same server-rendered block the full page shows, so both always agree.
(function () {
  "use strict";
  const form = document.querySelector("form[data-live]");
  if (!form) return;
  const box = form.querySelector("input[name=q]");
  const target = document.getElementById(form.dataset.live);
  const list = document.getElementById("suggestions");
  const endpoint = form.getAttribute("action");
  let timer = null;
  let settle = null;
  let latest = 0;

  function params() {
    const data = new URLSearchParams(new FormData(form));
    for (const [key, value] of [...data.entries()]) if (!value) data.delete(key);
    return data;
  }

  async function refresh(settled) {
    const data = params();
    const ticket = ++latest;
    if (!data.get("q")) { target.innerHTML = ""; return; }
    history.replaceState(null, "", endpoint + "?" + data.toString());
    data.set("partial", "1");
    if (settled) data.set("settled", "1");  // counted once in the editors' insights
    const response = await fetch(endpoint + "?" + data.toString());
    if (ticket !== latest) return;  // a newer keystroke has already asked again
    target.innerHTML = response.ok ? await response.text() : "";
    document.dispatchEvent(new CustomEvent("results:updated"));
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

  box.addEventListener("input", function () {
    clearTimeout(timer);
    clearTimeout(settle);
    timer = setTimeout(function () { refresh(false); suggest(); }, 250);
    settle = setTimeout(function () { refresh(true); }, 1500);
  });
  form.addEventListener("change", function (event) { if (event.target !== box) refresh(true); });
})();

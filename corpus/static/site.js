// The sample site's own script: the cookie banner's buttons close it for this visit.
document.addEventListener("click", function (event) {
  const banner = event.target.closest("#cookie-banner");
  if (banner && event.target.closest("button")) banner.classList.add("dismissed");
});

// The one-click rating page: send the rating the customer clicked in the email, once, as the page loads.
// The page itself (GET) records nothing, so a mail scanner that fetches the link without running scripts gives no
// answer; a customer's browser runs this and posts the form, so it is still one click.
(() => {
  const form = document.querySelector("form[data-auto-submit]");
  if (!form) return;
  // Coming back to this page (Back button, reload) must not post again over answers changed since.
  const key = `heartdesk:rated:${location.pathname}`;
  try {
    if (sessionStorage.getItem(key)) return;
    sessionStorage.setItem(key, "1");
  } catch (_) {
    // Storage refused (private mode): still post once for this page load.
  }
  form.removeAttribute("data-auto-submit");
  form.submit();
})();

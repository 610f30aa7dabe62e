// Progressive enhancement only: every page works without this file.
import { initAll } from "../vendor/nhsuk/nhsuk-frontend.min.js";

document.documentElement.classList.remove("no-js");
document.body.classList.add("js-enabled", "nhsuk-frontend-supported");
initAll();

// "Copy" buttons (data-cw-copy names the field whose value they copy): hidden without JavaScript, where the field
// is selected and copied by hand. The status beside the button says it worked, for screen readers too.
function copyField(button) {
  const field = document.getElementById(button.dataset.cwCopy);
  const status = button.parentElement.querySelector(".cw-copy__status");
  if (!field) return;
  const done = () => { if (status) status.textContent = "Copied."; };
  field.select();
  if (navigator.clipboard && window.isSecureContext) {
    navigator.clipboard.writeText(field.value).then(done, () => { if (document.execCommand("copy")) done(); });
  } else if (document.execCommand("copy")) {
    done();
  }
}
document.querySelectorAll("[data-cw-copy]").forEach((button) => {
  button.hidden = false;
  button.addEventListener("click", () => copyField(button));
});

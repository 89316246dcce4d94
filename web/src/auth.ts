// Sign in and sign up.
import { errorMessage } from "./api.js";
import type { App } from "./app.js";
import { busy, h, notice, replace } from "./dom.js";

export function authPage(root: HTMLElement, app: App, message: string): void {
  let mode: "signin" | "signup" = "signin";
  const status = notice();
  if (message) status.show("info", message);

  const email = h("input", { type: "email", name: "email", required: true, autocomplete: "email", id: "auth-email" });
  const password = h("input", { type: "password", name: "password", required: true, id: "auth-password" });
  const displayName = h("input", { type: "text", name: "name", autocomplete: "name", id: "auth-name", maxlength: 100 });
  const nameField = h("div", { class: "field" }, h("label", { for: "auth-name" }, "Display name"), displayName);
  const hint = h("p", { class: "hint", id: "auth-password-hint" }, "At least 8 characters.");
  const submit = h("button", { type: "submit", class: "btn btn-primary" });
  const tabIn = h("button", { type: "button", role: "tab", class: "tab", onclick: () => setMode("signin") }, "Sign in");
  const tabUp = h("button", { type: "button", role: "tab", class: "tab", onclick: () => setMode("signup") }, "Create account");

  function setMode(m: typeof mode): void {
    mode = m;
    const up = m === "signup";
    tabIn.setAttribute("aria-selected", String(!up));
    tabUp.setAttribute("aria-selected", String(up));
    nameField.hidden = !up;
    hint.hidden = !up;
    password.autocomplete = up ? "new-password" : "current-password";
    password.minLength = up ? 8 : 0;
    submit.textContent = up ? "Create account" : "Sign in";
    document.title = (up ? "Create account" : "Sign in") + " · BetterPlan";
    if (!message) status.clear();
  }

  async function onSubmit(ev: Event): Promise<void> {
    ev.preventDefault();
    message = "";
    status.clear();
    try {
      await busy(submit, mode === "signup" ? "Creating account…" : "Signing in…", async () => {
        const res = mode === "signup"
          ? await app.account.signUp({ email: email.value, password: password.value, displayName: displayName.value.trim() })
          : await app.account.signIn({ email: email.value, password: password.value });
        if (!res.user) throw new Error("the server answered without a user");
        app.signedIn(res.user);
      });
    } catch (e) {
      status.show("error", errorMessage(e));
    }
  }

  replace(root,
    h("section", { class: "card auth" },
      h("h1", null, "BetterPlan"),
      h("p", { class: "lede" }, "Write posts and threads, pick the minute, and BetterPlan publishes them to X."),
      h("div", { class: "tabs", role: "tablist" }, tabIn, tabUp),
      h("form", { onsubmit: onSubmit },
        h("div", { class: "field" }, h("label", { for: "auth-email" }, "Email"), email),
        h("div", { class: "field" }, h("label", { for: "auth-password" }, "Password"), password, hint),
        nameField,
        status.el,
        h("div", { class: "actions" }, submit),
      ),
    ),
  );
  setMode(mode);
  email.focus();
}

// The X accounts page: connect, reconnect and disconnect X accounts.
import { errorMessage } from "./api.js";
import type { App } from "./app.js";
import { paths } from "./app.js";
import { busy, h, notice, replace } from "./dom.js";
import { Status, type Integration } from "./gen/betterplan/integration/v1/integration_pb.js";

// What each ?error=<code> of the OAuth callback means, for a person.
export const connectErrors: Record<string, string> = {
  denied: "You declined on X, so no account was connected. Connect again whenever you like.",
  expired: "The authorization took longer than 15 minutes and expired. Please start again.",
  already_used: "That authorization was already completed (perhaps in another tab, or the page was reloaded). " +
    "Check the list below, or start again.",
  mismatch: "That authorization was started in another browser or by another BetterPlan user. " +
    "Start again from this browser, signed in as the person who should own the account.",
  invalid_request: "X sent back an incomplete answer, so the account was not connected. Please start again.",
  already_connected: "That X account is already connected to another BetterPlan user. " +
    "An X account can belong to only one BetterPlan user: disconnect it there first.",
  x_rejected: "X refused to finish the connection. Please try again; if it keeps happening, " +
    "the X app's keys or permissions may need checking.",
  x_unavailable: "X could not be reached or had a problem. Please try again in a few minutes.",
  not_configured: "Connecting X accounts is not set up on this server (no X app keys are configured).",
  internal: "Something went wrong on our side while connecting the account. Please try again; " +
    "the details are in the server's log.",
};

export function integrationsPage(root: HTMLElement, app: App): void {
  document.title = "X accounts · BetterPlan";
  const status = notice();
  const list = h("div", { class: "list", "aria-live": "polite" }, h("p", { class: "muted" }, "Loading…"));
  const connect = h("button", { type: "button", class: "btn btn-primary" }, "Connect X");
  connect.addEventListener("click", () => void startAuthorization(connect));

  // The callback sends the person back here with the outcome; show it once.
  const query = new URLSearchParams(location.search);
  const connectedId = query.get("connected");
  const errorCode = query.get("error");
  if (connectedId !== null || errorCode !== null) history.replaceState(null, "", paths.integrations);
  if (errorCode !== null) {
    status.show("error", connectErrors[errorCode] ?? `Connecting X failed (${errorCode}). Please try again.`);
  }

  replace(root,
    h("section", { class: "card" },
      h("div", { class: "card-head" }, h("h1", null, "X accounts"), connect),
      h("p", { class: "muted" }, "BetterPlan posts to X with the accounts you connect here."),
      status.el,
      list,
    ),
  );

  async function startAuthorization(button: HTMLButtonElement): Promise<void> {
    status.clear();
    try {
      await busy(button, "Opening X…", async () => {
        const res = await app.integration.startXAuthorization({});
        location.href = res.authorizationUrl;
        await new Promise(() => {}); // keep the button busy while the browser leaves
      });
    } catch (e) {
      status.show("error", "Could not start connecting X: ", errorMessage(e));
    }
  }

  async function disconnect(it: Integration, button: HTMLButtonElement): Promise<void> {
    const ok = confirm(`Disconnect @${it.username} from BetterPlan?\n\n` +
      "Its scheduled posts will fail, and BetterPlan's access at X is revoked. You can connect it again later.");
    if (!ok) return;
    status.clear();
    try {
      await busy(button, "Disconnecting…", () => app.integration.deleteIntegration({ id: it.id }));
      status.show("ok", `Disconnected @${it.username}.`);
      await load();
    } catch (e) {
      status.show("error", `Could not disconnect @${it.username}: `, errorMessage(e));
    }
  }

  function row(it: Integration): HTMLElement {
    const reconnect = it.status === Status.NEEDS_RECONNECT;
    const reconnectBtn = h("button", { type: "button", class: "btn btn-primary" }, "Reconnect");
    reconnectBtn.addEventListener("click", () => void startAuthorization(reconnectBtn));
    const disconnectBtn = h("button", { type: "button", class: "btn btn-danger" }, "Disconnect");
    disconnectBtn.addEventListener("click", () => void disconnect(it, disconnectBtn));
    return h("article", { class: "integration" + (reconnect ? " needs-reconnect" : "") },
      avatar(it),
      h("div", { class: "who" },
        h("div", null,
          h("a", { href: it.profileUrl || `https://x.com/${it.username}`, target: "_blank", rel: "noopener noreferrer", class: "handle" },
            "@" + it.username),
          " ",
          reconnect
            ? h("span", { class: "badge badge-warn" }, "Needs reconnect")
            : h("span", { class: "badge badge-ok" }, "Active")),
        it.displayName && h("div", { class: "name" }, it.displayName),
        reconnect && h("p", { class: "reason" },
          it.statusReason || "X no longer accepts BetterPlan's access to this account.",
          " Reconnect it to resume posting."),
      ),
      h("div", { class: "actions" }, reconnect && reconnectBtn, disconnectBtn),
    );
  }

  async function load(): Promise<void> {
    try {
      const { integrations } = await app.integration.listIntegrations({});
      if (integrations.length === 0) {
        replace(list, h("p", { class: "empty" }, "No X account is connected yet. Connect one to start scheduling posts."));
      } else {
        replace(list, integrations.map(row));
      }
      if (connectedId) {
        const it = integrations.find((i) => i.id === connectedId);
        status.show("ok", it ? `Connected @${it.username}` + (it.displayName ? ` (${it.displayName}).` : ".") : "Your X account is connected.",
          " ", h("a", { href: paths.posts, "data-link": true }, "Write a post"));
      }
    } catch (e) {
      replace(list, h("p", { class: "notice notice-error", role: "alert" }, "Could not load your X accounts: ", errorMessage(e)));
    }
  }

  void load();
}

function avatar(it: Integration): HTMLElement {
  const initial = h("span", { class: "avatar avatar-initial", "aria-hidden": "true" }, (it.username[0] ?? "?").toUpperCase());
  if (!it.avatarUrl) return initial;
  const img = h("img", { class: "avatar", src: it.avatarUrl, alt: "", width: 48, height: 48, referrerpolicy: "no-referrer" });
  img.addEventListener("error", () => img.replaceWith(initial), { once: true });
  return img;
}

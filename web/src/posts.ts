// The posts page: write and schedule posts and threads, and follow each
// post until it is on X (or see exactly why not).
import { create } from "@bufbuild/protobuf";
import { timestampDate } from "@bufbuild/protobuf/wkt";
import { Code } from "@connectrpc/connect";
import { codeOf, errorMessage } from "./api.js";
import type { App } from "./app.js";
import { paths } from "./app.js";
import { busy, h, notice, replace, type Child } from "./dom.js";
import { partsEditor, type PartsEditor } from "./editor.js";
import { Status as AccountStatus, type Integration } from "./gen/betterplan/integration/v1/integration_pb.js";
import {
  ErrorKind, Status, ThreadSchema,
  type CreatePostRequest, type Post, type UpdatePostRequest,
} from "./gen/betterplan/post/v1/post_pb.js";
import { defaultScheduleTime, formatTime, fromLocalInput, fromNow, inputToTimestamp, timeZone, toLocalInput } from "./time.js";

const refreshMs = 5000;
const pageSize = 50;

const statusLabels: Record<Status, [string, string]> = {
  [Status.UNSPECIFIED]: ["Unknown", "badge"],
  [Status.DRAFT]: ["Draft", "badge"],
  [Status.SCHEDULED]: ["Scheduled", "badge badge-info"],
  [Status.PUBLISHING]: ["Publishing…", "badge badge-info"],
  [Status.PUBLISHED]: ["Published", "badge badge-ok"],
  [Status.FAILED]: ["Failed", "badge badge-danger"],
  [Status.UNCONFIRMED]: ["Unconfirmed", "badge badge-warn"],
};

function statusLabel(s: Status): string {
  return statusLabels[s]?.[0] ?? "Unknown";
}

function editable(s: Status): boolean {
  return s === Status.DRAFT || s === Status.SCHEDULED || s === Status.FAILED;
}

// content is a CreatePost/UpdatePost content oneof for these texts.
function content(texts: string[]): CreatePostRequest["content"] & UpdatePostRequest["content"] {
  return texts.length === 1
    ? { case: "text", value: texts[0] }
    : { case: "thread", value: create(ThreadSchema, { parts: texts }) };
}

export function postsPage(root: HTMLElement, app: App): () => void {
  document.title = "Posts · BetterPlan";
  let accounts: Integration[] = [];
  const accountById = new Map<string, Integration>();
  let posts: Post[] = [];
  let nextPageToken = "";
  let generation = 0; // a list load that is no longer the latest is dropped
  let timer: ReturnType<typeof setTimeout> | undefined;
  let stopped = false;
  const cards = new Map<string, { key: string; el: HTMLElement }>();

  // ---- composer ----
  const composeStatus = notice();
  const account = h("select", { id: "compose-account", required: true });
  const editor = partsEditor(app, [""]);
  const time = h("input", { type: "datetime-local", id: "compose-time", step: 60 });
  time.value = toLocalInput(defaultScheduleTime());
  const scheduleBtn = h("button", { type: "submit", class: "btn btn-primary" }, "Schedule");
  const nowBtn = h("button", { type: "button", class: "btn" }, "Publish now");
  const draftBtn = h("button", { type: "button", class: "btn" }, "Save draft");
  const composeForm = h("form", { class: "composer" },
    h("div", { class: "field" }, h("label", { for: "compose-account" }, "X account"), account),
    editor.el,
    h("div", { class: "field when" },
      h("label", { for: "compose-time" }, "Publish at"),
      h("div", { class: "when-row" }, time, h("span", { class: "tz" }, `your time zone: ${timeZone}`))),
    composeStatus.el,
    h("div", { class: "actions" }, scheduleBtn, nowBtn, draftBtn),
  );
  composeForm.addEventListener("submit", (ev) => {
    ev.preventDefault();
    void compose("schedule", scheduleBtn);
  });
  nowBtn.addEventListener("click", () => void compose("now", nowBtn));
  draftBtn.addEventListener("click", () => void compose("draft", draftBtn));
  const composerBody = h("div", null, h("p", { class: "muted" }, "Loading your X accounts…"));

  // ---- list ----
  const listStatus = notice();
  const list = h("div", { class: "posts" });
  const more = h("button", { type: "button", class: "btn", hidden: true }, "Load more");
  more.addEventListener("click", () => void loadMore());
  const refreshBtn = h("button", { type: "button", class: "btn btn-quiet" }, "Refresh");
  refreshBtn.addEventListener("click", () => void busy(refreshBtn, "Refreshing…", () => reload()));
  const dialog = h("dialog", { class: "edit-dialog", "aria-labelledby": "edit-title" });

  replace(root,
    h("section", { class: "card" }, h("h1", null, "New post"), composerBody),
    h("section", { class: "card" },
      h("div", { class: "card-head" }, h("h2", null, "Your posts"), refreshBtn),
      h("p", { class: "muted" }, "Soonest first, drafts last. Times are in your time zone (", timeZone, ")."),
      listStatus.el,
      list,
      h("div", { class: "actions" }, more)),
    dialog,
  );

  async function loadAccounts(): Promise<void> {
    try {
      accounts = (await app.integration.listIntegrations({})).integrations;
    } catch (e) {
      replace(composerBody, h("p", { class: "notice notice-error", role: "alert" }, "Could not load your X accounts: ", errorMessage(e)));
      return;
    }
    accountById.clear();
    for (const a of accounts) accountById.set(a.id, a);
    if (accounts.length === 0) {
      replace(composerBody, h("p", { class: "empty" },
        "Connect an X account to write posts. ",
        h("a", { href: paths.integrations, "data-link": true, class: "btn btn-primary" }, "Connect X")));
      return;
    }
    replace(account, accounts.map((a) =>
      h("option", { value: a.id },
        `@${a.username}` + (a.displayName ? ` (${a.displayName})` : "") +
        (a.status === AccountStatus.NEEDS_RECONNECT ? " (needs reconnect)" : ""))));
    const firstActive = accounts.find((a) => a.status === AccountStatus.ACTIVE);
    if (firstActive) account.value = firstActive.id;
    replace(composerBody, composeForm);
    renderList(); // account names in the cards
  }

  async function compose(kind: "schedule" | "now" | "draft", button: HTMLButtonElement): Promise<void> {
    composeStatus.clear();
    const texts = editor.values();
    let when: CreatePostRequest["when"];
    let done: string;
    if (kind === "schedule") {
      const at = fromLocalInput(time.value);
      const ts = inputToTimestamp(time.value);
      if (!at || !ts) {
        composeStatus.show("error", "Pick the date and time to publish at.");
        time.focus();
        return;
      }
      if (at.getTime() < Date.now()) {
        composeStatus.show("error", "That time has already passed. Pick a time in the future, or Publish now.");
        time.focus();
        return;
      }
      when = { case: "scheduledTime", value: ts };
      done = `Scheduled for ${formatTime(ts)} (${timeZone}).`;
    } else if (kind === "now") {
      when = { case: "publishNow", value: true };
      done = "Publishing now. The list below shows when it is on X.";
    } else {
      when = { case: "draft", value: true };
      done = "Saved as a draft.";
    }
    const buttons = [scheduleBtn, nowBtn, draftBtn];
    const label = kind === "schedule" ? "Scheduling…" : kind === "now" ? "Publishing…" : "Saving…";
    try {
      buttons.forEach((b) => (b.disabled = true));
      await busy(button, label, () => app.post.createPost({ integrationId: account.value, content: content(texts), when }));
    } catch (e) {
      composeStatus.show("error", errorMessage(e));
      return;
    } finally {
      buttons.forEach((b) => (b.disabled = false));
    }
    editor.reset([""]);
    time.value = toLocalInput(defaultScheduleTime());
    composeStatus.show("ok", done);
    await reload(posts.length + 1);
  }

  // ---- the list ----

  // reload reads the list again from the start, as far as it was paged.
  async function reload(atLeast = posts.length): Promise<void> {
    const mine = ++generation;
    clearTimeout(timer);
    try {
      const all: Post[] = [];
      let token = "";
      do {
        const res = await app.post.listPosts({ pageSize, pageToken: token });
        all.push(...res.posts);
        token = res.nextPageToken;
      } while (token && all.length < atLeast);
      if (mine !== generation || stopped) return;
      posts = all;
      nextPageToken = token;
      listStatus.clear();
      renderList();
    } catch (e) {
      if (mine !== generation || stopped) return;
      listStatus.show("error", "Could not load your posts: ", errorMessage(e));
    } finally {
      if (mine === generation && !stopped) scheduleRefresh();
    }
  }

  async function loadMore(): Promise<void> {
    const mine = ++generation;
    clearTimeout(timer);
    try {
      const res = await busy(more, "Loading…", () => app.post.listPosts({ pageSize, pageToken: nextPageToken }));
      if (mine !== generation || stopped) return;
      const seen = new Set(posts.map((p) => p.id));
      posts.push(...res.posts.filter((p) => !seen.has(p.id)));
      nextPageToken = res.nextPageToken;
      renderList();
    } catch (e) {
      if (mine === generation && !stopped) listStatus.show("error", "Could not load more posts: ", errorMessage(e));
    } finally {
      if (mine === generation && !stopped) scheduleRefresh();
    }
  }

  // While a post waits to go out or is going out, keep the list current.
  function scheduleRefresh(): void {
    clearTimeout(timer);
    if (posts.some((p) => p.status === Status.SCHEDULED || p.status === Status.PUBLISHING)) {
      timer = setTimeout(() => void reload(), refreshMs);
    }
  }

  function renderList(): void {
    more.hidden = nextPageToken === "";
    if (posts.length === 0) {
      cards.clear();
      replace(list, h("p", { class: "empty" }, "No posts yet. Write one above."));
      return;
    }
    // Cards are rebuilt only when their post changed (or a minute passed,
    // for "in 5 minutes"), so a refresh keeps focus and scroll in place.
    const minute = Math.floor(Date.now() / 60000);
    const wanted: HTMLElement[] = [];
    const ids = new Set<string>();
    for (const p of posts) {
      const acct = accountById.get(p.integrationId);
      const key = [p.version, p.status, p.attempts, minute, acct?.username, acct?.status].join("|");
      let c = cards.get(p.id);
      if (!c || c.key !== key) {
        c = { key, el: card(p) };
        cards.set(p.id, c);
      }
      ids.add(p.id);
      wanted.push(c.el);
    }
    for (const id of [...cards.keys()]) if (!ids.has(id)) cards.delete(id);
    const empty = list.querySelector(":scope > .empty");
    if (empty) empty.remove();
    wanted.forEach((el, i) => {
      if (list.children[i] !== el) list.insertBefore(el, list.children[i] ?? null);
    });
    while (list.children.length > wanted.length) list.lastElementChild?.remove();
  }

  function card(p: Post): HTMLElement {
    const [label, badgeClass] = statusLabels[p.status] ?? statusLabels[Status.UNSPECIFIED];
    const acct = accountById.get(p.integrationId);
    const cardStatus = notice();
    const meta: Child[] = [];
    const fact = (name: string, ...value: Child[]) => meta.push(h("div", null, h("dt", null, name), h("dd", null, ...value)));

    if (p.status === Status.DRAFT) {
      fact("When", "Not scheduled (draft)");
    } else if (p.scheduledTime) {
      fact(p.status === Status.PUBLISHED ? "Scheduled for" : "When",
        h("time", { datetime: timestampDate(p.scheduledTime).toISOString() }, formatTime(p.scheduledTime)),
        p.status === Status.SCHEDULED ? ` (${fromNow(p.scheduledTime)})` : "");
    }
    if (p.publishTime) fact("Published", formatTime(p.publishTime));
    if (p.attempts > 0) fact("Attempts", String(p.attempts));
    const next = p.nextAttemptTime;
    if (next && (p.status === Status.SCHEDULED || p.status === Status.PUBLISHING) &&
        (p.attempts > 0 || !p.scheduledTime || timestampDate(next).getTime() !== timestampDate(p.scheduledTime).getTime())) {
      fact("Next attempt", formatTime(next), ` (${fromNow(next)})`);
    }

    const partViews = p.parts.map((part, i) =>
      h("li", { class: "part-view" },
        h("p", { class: "text" }, part.text),
        part.url && h("a", { href: part.url, target: "_blank", rel: "noopener noreferrer", class: "x-link" },
          p.thread ? `Part ${i + 1} on X ↗` : "View on X ↗")));

    const actions: HTMLButtonElement[] = [];
    const action = (text: string, cls: string, run: (b: HTMLButtonElement) => Promise<void>) => {
      const b = h("button", { type: "button", class: "btn btn-small " + cls }, text);
      b.addEventListener("click", async () => {
        cardStatus.clear();
        try {
          await run(b);
        } catch (e) {
          cardStatus.show("error", errorMessage(e));
        }
      });
      actions.push(b);
    };
    // A post whose X account was disconnected can only be deleted.
    const sendable = p.integrationId !== "";
    if (sendable && (p.status === Status.DRAFT || p.status === Status.SCHEDULED)) {
      action("Publish now", "btn-primary", async (b) => {
        await busy(b, "Publishing…", () => app.post.publishPost({ id: p.id }));
        await reload();
      });
    }
    if (sendable && p.status === Status.FAILED) {
      action("Retry", "btn-primary", async (b) => {
        await busy(b, "Retrying…", () => app.post.retryPost({ id: p.id }));
        await reload();
      });
    }
    if (sendable && p.status === Status.UNCONFIRMED) {
      // A plain retry reads X first and resends only what is not there.
      action("Check X again", "btn-primary", async (b) => {
        await busy(b, "Checking…", () => app.post.retryPost({ id: p.id }));
        await reload();
      });
      action("Send anyway", "", async (b) => {
        if (!confirm("BetterPlan could not read X to tell whether this post is already there.\n\n" +
          "Check the account on X first. Send it again anyway? If it is there, X refuses it as a duplicate or it appears twice.")) return;
        await busy(b, "Sending…", () => app.post.retryPost({ id: p.id, force: true }));
        await reload();
      });
    }
    if (sendable && editable(p.status)) action("Edit", "", async () => openEditor(p));
    if (p.status !== Status.PUBLISHING) {
      action("Delete", "btn-danger", async (b) => {
        const what = p.status === Status.PUBLISHED
          ? "Delete this post from BetterPlan? It stays on X."
          : "Delete this post? It will not be published.";
        if (!confirm(what)) return;
        await busy(b, "Deleting…", () => app.post.deletePost({ id: p.id }));
        await reload();
      });
    }

    return h("article", { class: "post post-" + label.toLowerCase().replace(/[^a-z]/g, "") },
      h("header", { class: "post-head" },
        h("span", { class: badgeClass }, label),
        p.thread && h("span", { class: "badge" }, `Thread of ${p.parts.length}`),
        h("span", { class: "account" },
          acct ? "@" + acct.username : p.integrationId ? "" : "disconnected X account"),
      ),
      p.thread ? h("ol", { class: "parts-view" }, partViews) : h("ul", { class: "parts-view single" }, partViews),
      p.status === Status.UNCONFIRMED && h("p", { class: "hint" },
        "A part may or may not be on X, and BetterPlan could not read X to find out (see below). Check X again, or check X yourself and then send anyway or delete."),
      meta.length > 0 && h("dl", { class: "meta" }, meta),
      errorView(p),
      cardStatus.el,
      actions.length > 0 && h("div", { class: "actions" }, actions),
    );
  }

  // ---- editing ----
  let editing: PartsEditor | undefined;
  dialog.addEventListener("close", () => {
    editing?.destroy();
    editing = undefined;
    dialog.replaceChildren();
  });

  function openEditor(p: Post): void {
    const sent = p.parts.filter((x) => x.xPostId !== "").length;
    const original = p.parts.map((x) => x.text);
    let version = p.version;
    let status = p.status;
    const ed = partsEditor(app, original, sent);
    editing = ed;
    const dialogStatus = notice();
    const time = h("input", { type: "datetime-local", id: "edit-time", step: 60 });
    const scheduled = p.scheduledTime ? timestampDate(p.scheduledTime) : undefined;
    time.value = toLocalInput(scheduled && scheduled.getTime() > Date.now() ? scheduled : defaultScheduleTime());
    const originalTime = time.value;

    const modes: [string, string][] =
      status === Status.DRAFT ? [["keep", "Keep as a draft"], ["schedule", "Schedule it"]]
      : status === Status.SCHEDULED ? [["schedule", "Scheduled"], ["draft", "Move back to drafts"]]
      : [["keep", "Leave it failed (save the text only)"], ["schedule", "Schedule it again"], ["draft", "Move to drafts"]];
    const initialMode = status === Status.DRAFT ? "keep" : "schedule";
    const radios = modes.map(([value, text]) => {
      const r = h("input", { type: "radio", name: "edit-mode", value, checked: value === initialMode });
      r.addEventListener("change", syncTime);
      return h("label", { class: "radio" }, r, " ", text);
    });
    const mode = () => (dialog.querySelector<HTMLInputElement>("input[name=edit-mode]:checked")?.value ?? "keep");
    function syncTime(): void {
      time.disabled = mode() !== "schedule";
    }

    const save = h("button", { type: "submit", class: "btn btn-primary" }, "Save");
    const cancel = h("button", { type: "button", class: "btn" }, "Cancel");
    cancel.addEventListener("click", () => dialog.close());
    const form = h("form", { method: "dialog" },
      h("h2", { id: "edit-title" }, "Edit post"),
      sent > 0 && h("p", { class: "hint" }, `The first ${sent} part(s) are already on X and stay as they are.`),
      ed.el,
      h("fieldset", { class: "when" },
        h("legend", null, "When"),
        radios,
        h("div", { class: "when-row" }, time, h("span", { class: "tz" }, `your time zone: ${timeZone}`))),
      dialogStatus.el,
      h("div", { class: "actions" }, save, cancel),
    );
    form.addEventListener("submit", (ev) => {
      ev.preventDefault();
      void submit();
    });

    async function submit(): Promise<void> {
      dialogStatus.clear();
      const texts = ed.values();
      const changed = texts.length !== original.length || texts.some((t, i) => t !== original[i]);
      let when: UpdatePostRequest["when"] = { case: undefined };
      const m = mode();
      if (m === "schedule" && (status !== Status.SCHEDULED || time.value !== originalTime)) {
        const at = fromLocalInput(time.value);
        const ts = inputToTimestamp(time.value);
        if (!at || !ts) return dialogStatus.show("error", "Pick the date and time to publish at.");
        if (at.getTime() < Date.now()) return dialogStatus.show("error", "That time has already passed. Pick a time in the future.");
        when = { case: "scheduledTime", value: ts };
      } else if (m === "draft" && status !== Status.DRAFT) {
        when = { case: "draft", value: true };
      }
      if (!changed && when.case === undefined) {
        dialog.close();
        return;
      }
      try {
        await busy(save, "Saving…", () => app.post.updatePost({
          id: p.id, version, content: changed ? content(texts) : { case: undefined }, when,
        }));
      } catch (e) {
        if (codeOf(e) !== Code.Aborted) {
          dialogStatus.show("error", errorMessage(e));
          return;
        }
        // Someone (another tab, the publisher) changed the post meanwhile.
        void reload();
        try {
          const fresh = (await app.post.getPost({ id: p.id })).post;
          if (fresh && editable(fresh.status)) {
            version = fresh.version;
            status = fresh.status;
            dialogStatus.show("error", `This post changed while you were editing it (it is now ${statusLabel(fresh.status).toLowerCase()}). ` +
              "The list has been reloaded. Your edits are still here: Save again to apply them to the new version, or Cancel.");
          } else {
            save.disabled = true;
            dialogStatus.show("error", "This post changed while you were editing it and can no longer be edited" +
              (fresh ? ` (it is now ${statusLabel(fresh.status).toLowerCase()})` : " (it was deleted)") + ". The list has been reloaded.");
          }
        } catch (e2) {
          dialogStatus.show("error", "This post changed while you were editing it, and it could not be read again: " + errorMessage(e2));
        }
        return;
      }
      dialog.close();
      listStatus.show("ok", "Saved.");
      await reload();
    }

    replace(dialog, form);
    syncTime();
    dialog.showModal();
    ed.focus();
  }

  void loadAccounts().then(() => reload());
  return () => {
    stopped = true;
    clearTimeout(timer);
    editor.destroy();
    if (dialog.open) dialog.close();
  };
}

const errorKinds: Partial<Record<ErrorKind, string>> = {
  [ErrorKind.RECONNECT_REQUIRED]: "Reconnect needed",
  [ErrorKind.DUPLICATE]: "Duplicate",
  [ErrorKind.REJECTED]: "Rejected by X",
  [ErrorKind.RATE_LIMITED]: "Rate limited",
  [ErrorKind.USAGE_CAPPED]: "Usage cap reached",
  [ErrorKind.X_UNAVAILABLE]: "X unavailable",
  [ErrorKind.UNCONFIRMED]: "Unconfirmed",
  [ErrorKind.MISSED]: "Missed",
  [ErrorKind.INTEGRATION_DISCONNECTED]: "Account disconnected",
  [ErrorKind.INTERNAL]: "Internal error",
};

function errorView(p: Post): HTMLElement | false {
  const err = p.lastError;
  if (!err || (!err.message && err.kind === ErrorKind.UNSPECIFIED)) return false;
  // A published post's earlier trouble, or a wait for X's rate limit, is
  // information rather than a failure.
  const soft = p.status === Status.PUBLISHED || p.status === Status.SCHEDULED || p.status === Status.PUBLISHING;
  const xSaid = [err.xTitle, err.xDetail].filter(Boolean).join(": ");
  return h("div", { class: "post-error" + (soft ? " post-error-soft" : "") },
    h("div", null,
      h("strong", null, (soft ? "Last problem" : errorKinds[err.kind] ?? "Error") + ": "),
      err.message || errorKinds[err.kind] || "Something went wrong."),
    (xSaid || err.xHttpStatus > 0) && h("div", { class: "x-said" },
      "X said: ", xSaid || "(no details)", err.xHttpStatus > 0 ? ` (HTTP ${err.xHttpStatus})` : ""),
    err.kind === ErrorKind.RECONNECT_REQUIRED &&
      h("div", null, h("a", { href: paths.integrations, "data-link": true }, "Reconnect your X account")),
    err.time && h("div", { class: "when-small" }, formatTime(err.time)),
  );
}

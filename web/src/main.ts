// BetterPlan's web app: a few pages of plain DOM over the generated Connect
// clients, routed in the browser under /app/.
import { accountClient, integrationClient, onUnauthenticated, postClient, errorMessage } from "./api.js";
import { paths, type App, type Page } from "./app.js";
import { h, replace } from "./dom.js";
import { authPage } from "./auth.js";
import { integrationsPage } from "./integrations.js";
import { postsPage } from "./posts.js";

const header = document.getElementById("header") as HTMLElement;
const view = document.getElementById("view") as HTMLElement;

let returnTo = "";
let sessionEnded = false;
let started = false; // until GetMe has answered, "not signed in" is no news
let stopPage: (() => void) | void;

const app: App = {
  account: accountClient(),
  integration: integrationClient(),
  post: postClient(),
  me: undefined,
  navigate(path, opts = {}) {
    if (opts.replace) history.replaceState(null, "", path);
    else history.pushState(null, "", path);
    render();
  },
  signedIn(user) {
    app.me = user;
    sessionEnded = false;
    const to = returnTo || paths.posts;
    returnTo = "";
    app.navigate(to, { replace: true });
  },
};

// Any call that finds the session gone sends the person to sign in, and
// back to where they were afterwards.
onUnauthenticated(() => {
  if (!started || location.pathname === paths.signIn) return;
  sessionEnded = app.me !== undefined;
  app.me = undefined;
  returnTo = location.pathname + location.search;
  app.navigate(paths.signIn, { replace: true });
});

const pages: Record<string, Page> = {
  [paths.posts]: postsPage,
  [paths.integrations]: integrationsPage,
};

function render(): void {
  if (stopPage) stopPage();
  stopPage = undefined;
  const path = location.pathname.replace(/\/+$/, "") || "/";
  renderHeader(path);
  if (!app.me) {
    if (path !== paths.signIn) {
      returnTo = location.pathname + location.search;
      history.replaceState(null, "", paths.signIn);
    }
    document.title = "Sign in · BetterPlan";
    stopPage = authPage(view, app, sessionEnded ? "Your session has ended. Please sign in again." : "");
    return;
  }
  if (path === "/app" || path === paths.signIn) {
    history.replaceState(null, "", paths.posts);
    return render();
  }
  const page = pages[path];
  if (!page) {
    document.title = "Not found · BetterPlan";
    replace(view, h("section", { class: "card" },
      h("h1", null, "Page not found"),
      h("p", null, "There is no page at ", h("code", null, location.pathname), "."),
      h("p", null, link(paths.posts, "Go to your posts")),
    ));
    return;
  }
  stopPage = page(view, app);
  view.focus({ preventScroll: true });
}

function link(path: string, text: string, current = false): HTMLAnchorElement {
  return h("a", { href: path, "data-link": true, "aria-current": current ? "page" : null }, text);
}

function renderHeader(path: string): void {
  const me = app.me;
  replace(header,
    h("a", { class: "brand", href: paths.posts, "data-link": true }, "BetterPlan"),
    me && h("nav", { "aria-label": "Main" },
      link(paths.posts, "Posts", path === paths.posts),
      link(paths.integrations, "X accounts", path === paths.integrations)),
    me && h("div", { class: "me" },
      h("span", { class: "who", title: me.email }, me.displayName || me.email),
      h("button", { type: "button", class: "btn btn-quiet", onclick: signOut }, "Sign out")),
  );
}

async function signOut(): Promise<void> {
  try {
    await app.account.signOut({});
  } catch (e) {
    console.warn("sign out:", errorMessage(e)); // the session is gone either way
  }
  app.me = undefined;
  sessionEnded = false;
  returnTo = "";
  app.navigate(paths.signIn, { replace: true });
}

// Links inside the app change the page without a reload.
document.addEventListener("click", (ev) => {
  const a = (ev.target as Element | null)?.closest?.("a[data-link]");
  if (!a || ev.defaultPrevented || ev.button !== 0 || ev.metaKey || ev.ctrlKey || ev.shiftKey || ev.altKey) return;
  ev.preventDefault();
  const href = a.getAttribute("href") ?? paths.posts;
  if (href !== location.pathname + location.search) app.navigate(href);
});
window.addEventListener("popstate", render);

async function start(): Promise<void> {
  try {
    app.me = (await app.account.getMe({})).user;
  } catch {
    app.me = undefined; // not signed in (or the api is unreachable: the sign-in page says so when used)
  }
  started = true;
  render();
}

void start();

// The app's pages under /app/ (code-based routes, typed). Pages other than
// sign-in and sign-up need a session: their parent route reads GetMe once
// (cached) and sends a signed-out visitor to sign in, and back afterwards.
import type { QueryClient } from "@tanstack/react-query";
import { createRootRouteWithContext, createRoute, createRouter, lazyRouteComponent, Outlet, redirect } from "@tanstack/react-router";
import { AppShell } from "./components/AppShell";
import { ConfirmProvider } from "./components/ui/alert-dialog";
import { Toaster } from "./components/ui/toast";
import { SignInPage, SignUpPage } from "./pages/auth";
import { CalendarPage } from "./pages/calendar";
import { NotFoundPage } from "./pages/notfound";
import { ensureMe } from "./lib/session";
import { validateAuthSearch, validateCalendarSearch, validateIntegrationsSearch, validateJoinSearch, validatePostsSearch } from "./search";

const rootRoute = createRootRouteWithContext<{ queryClient: QueryClient }>()({
  component: () => (
    <ConfirmProvider>
      <Outlet />
      <Toaster />
    </ConfirmProvider>
  ),
  notFoundComponent: NotFoundPage,
});

const indexRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: "/",
  beforeLoad: async ({ context }) => {
    const me = await ensureMe(context.queryClient);
    throw redirect({ to: me ? "/calendar" : "/signin", replace: true });
  },
});

const signInRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: "/signin",
  validateSearch: validateAuthSearch,
  beforeLoad: async ({ context }) => {
    if (await ensureMe(context.queryClient)) throw redirect({ to: "/calendar", replace: true });
  },
  component: function SignIn() {
    return <SignInPage search={signInRoute.useSearch()} />;
  },
});

const signUpRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: "/signup",
  validateSearch: validateAuthSearch,
  beforeLoad: async ({ context }) => {
    if (await ensureMe(context.queryClient)) throw redirect({ to: "/calendar", replace: true });
  },
  component: function SignUp() {
    return <SignUpPage search={signUpRoute.useSearch()} />;
  },
});

const appRoute = createRoute({
  getParentRoute: () => rootRoute,
  id: "signed-in",
  beforeLoad: async ({ context }) => {
    const me = await ensureMe(context.queryClient);
    if (!me) {
      throw redirect({ to: "/signin", search: { redirect: window.location.pathname + window.location.search }, replace: true });
    }
  },
  component: AppShell,
});

const calendarRoute = createRoute({
  getParentRoute: () => appRoute,
  path: "/calendar",
  validateSearch: validateCalendarSearch,
  component: function Calendar() {
    return <CalendarPage search={calendarRoute.useSearch()} />;
  },
});

const postsRoute = createRoute({
  getParentRoute: () => appRoute,
  path: "/posts",
  validateSearch: validatePostsSearch,
  // The pages other than the calendar load when first visited.
  component: lazyRouteComponent(() => import("./pages/posts"), "PostsPage"),
});

const integrationsRoute = createRoute({
  getParentRoute: () => appRoute,
  path: "/integrations",
  validateSearch: validateIntegrationsSearch,
  component: lazyRouteComponent(() => import("./pages/integrations"), "IntegrationsPage"),
});

const queueRoute = createRoute({
  getParentRoute: () => appRoute,
  path: "/queue",
  component: lazyRouteComponent(() => import("./pages/queue"), "QueuePage"),
});

const teamRoute = createRoute({
  getParentRoute: () => appRoute,
  path: "/team",
  component: lazyRouteComponent(() => import("./pages/team"), "TeamPage"),
});

// An invitation link (APP_URL/app/join?token=…).
const joinRoute = createRoute({
  getParentRoute: () => appRoute,
  path: "/join",
  validateSearch: validateJoinSearch,
  component: lazyRouteComponent(() => import("./pages/join"), "JoinPage"),
});

const settingsRoute = createRoute({
  getParentRoute: () => appRoute,
  path: "/settings",
  component: lazyRouteComponent(() => import("./pages/settings"), "SettingsPage"),
});

const routeTree = rootRoute.addChildren([
  indexRoute,
  signInRoute,
  signUpRoute,
  appRoute.addChildren([calendarRoute, postsRoute, queueRoute, integrationsRoute, teamRoute, joinRoute, settingsRoute]),
]);

export function makeRouter(queryClient: QueryClient) {
  return createRouter({
    routeTree,
    basepath: "/app",
    context: { queryClient },
    defaultPreload: "intent",
    scrollRestoration: true,
    defaultPendingMinMs: 0,
  });
}

declare module "@tanstack/react-router" {
  interface Register {
    router: ReturnType<typeof makeRouter>;
  }
}

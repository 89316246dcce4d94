// The signed-in frame: header with navigation, the composer, live updates,
// and the page.
import { useMutation } from "@connectrpc/connect-query";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { Link, Outlet, useNavigate, useRouterState } from "@tanstack/react-router";
import { useEffect, useId, useRef, type ReactNode } from "react";
import { AccountService } from "../gen/betterplan/account/v1/account_pb";
import { useWatchPosts } from "../lib/live";
import { forgetSession, meQuery, setUser, useMe, useMeAndWorkspaces } from "../lib/session";
import { browserTimeZone } from "../lib/time";
import { loadTwitterText } from "../lib/weighted";
import { chooseWorkspace, roleNames, useRole, useWorkspace, useWorkspaceId, workspaceLabel } from "../lib/workspace";
import { ComposerHost, preloadDialogs, useComposer } from "./ComposerHost";
import { Button } from "./ui/button";
import { Select } from "./ui/input";

export function AppShell() {
  const { data: me } = useQuery(meQuery);
  const navigate = useNavigate();
  // Signed out meanwhile (here or in another tab): to the sign-in page.
  useEffect(() => {
    if (me === null) void navigate({ to: "/signin", search: {}, replace: true });
  }, [me, navigate]);
  if (!me) return null;
  return <SignedIn />;
}

function SignedIn() {
  const me = useMe();
  const qc = useQueryClient();
  const navigate = useNavigate();
  useWatchPosts(qc, useWorkspaceId());

  // A user without a time zone gets the browser's, saved to the account.
  const updateMe = useMutation(AccountService.method.updateMe, {
    onSuccess: (r) => setUser(qc, r.user),
  });
  const askedZone = useRef(false);
  useEffect(() => {
    if (me.timeZone === "" && !askedZone.current) {
      askedZone.current = true;
      updateMe.mutate({ timeZone: browserTimeZone });
    }
  }, [me.timeZone, updateMe]);

  // The counter's library, when the browser has nothing better to do.
  useEffect(() => {
    const w = window as Window & { requestIdleCallback?: (f: () => void) => number };
    const start = () => {
      void loadTwitterText().catch(() => {});
      preloadDialogs();
    };
    if (w.requestIdleCallback) w.requestIdleCallback(start);
    else setTimeout(start, 2000);
  }, []);

  const signOut = useMutation(AccountService.method.signOut, {
    onSettled: () => {
      forgetSession(qc);
      void navigate({ to: "/signin", search: {} });
    },
  });

  // After moving to another page, the page (not the link) has the focus.
  const path = useRouterState({ select: (s) => s.location.pathname });
  const first = useRef(true);
  const main = useRef<HTMLElement>(null);
  useEffect(() => {
    if (first.current) {
      first.current = false;
      return;
    }
    main.current?.focus({ preventScroll: true });
  }, [path]);

  return (
    <ComposerHost>
      <a href="#main" className="sr-only focus:not-sr-only focus:fixed focus:top-2 focus:left-2 focus:z-50 focus:rounded-lg focus:bg-white focus:px-4 focus:py-3 focus:shadow-lg">
        Skip to content
      </a>
      <header className="sticky top-0 z-30 border-b border-slate-200 bg-white/95 backdrop-blur">
        <div className="mx-auto flex max-w-7xl flex-wrap items-center gap-x-4 px-3 sm:px-6">
          <Link to="/calendar" className="flex min-h-14 items-center text-lg font-extrabold tracking-tight text-slate-950">
            BetterPlan
          </Link>
          <WorkspaceSwitcher />
          <nav aria-label="Main" className="order-last -mx-3 w-[calc(100%+1.5rem)] overflow-x-auto border-t border-slate-100 px-1 md:order-none md:mx-0 md:w-auto md:border-0 md:px-0">
            <ul className="flex">
              <NavItem to="/calendar">Calendar</NavItem>
              <NavItem to="/posts">Posts</NavItem>
              <NavItem to="/queue">Queue</NavItem>
              <NavItem to="/integrations">X accounts</NavItem>
              <NavItem to="/team">Team</NavItem>
              <NavItem to="/settings">Settings</NavItem>
            </ul>
          </nav>
          <div className="ml-auto flex items-center gap-2 py-1.5">
            <span className="hidden max-w-48 truncate text-sm text-slate-700 lg:inline" title={me.email}>
              {me.displayName || me.email}
            </span>
            <NewPostButton />
            <Button variant="ghost" size="sm" onClick={() => signOut.mutate({})} disabled={signOut.isPending}>
              Sign out
            </Button>
          </div>
        </div>
      </header>
      <main id="main" ref={main} tabIndex={-1} className="mx-auto max-w-7xl px-3 py-4 focus:outline-none sm:px-6 sm:py-6">
        <Outlet />
      </main>
    </ComposerHost>
  );
}

function NavItem({ to, children }: { to: "/calendar" | "/posts" | "/queue" | "/integrations" | "/team" | "/settings"; children: ReactNode }) {
  return (
    <li>
      <Link
        to={to}
        className="flex min-h-11 items-center border-b-2 border-transparent px-3 text-sm font-semibold whitespace-nowrap text-slate-700 hover:text-slate-950 data-[status=active]:border-sky-700 data-[status=active]:text-slate-950"
        activeProps={{ "aria-current": "page" }}
      >
        {children}
      </Link>
    </li>
  );
}

// WorkspaceSwitcher picks the workspace every page shows.
function WorkspaceSwitcher() {
  const me = useMeAndWorkspaces();
  const current = useWorkspace();
  const id = useId();
  if (me.workspaces.length < 2) return null;
  return (
    <div className="flex items-center gap-2">
      <label htmlFor={id} className="sr-only">Workspace</label>
      <Select
        id={id}
        value={current.workspace?.id ?? ""}
        onChange={(e) => chooseWorkspace(me.user.id, e.target.value)}
        className="h-11 max-w-56 truncate py-0 text-sm font-semibold"
      >
        {me.workspaces.map((m) => (
          <option key={m.workspace?.id} value={m.workspace?.id}>
            {workspaceLabel(m, me.user.id)} · {roleNames[m.role]}
          </option>
        ))}
      </Select>
    </div>
  );
}

function NewPostButton() {
  const { compose } = useComposer();
  const { canWrite } = useRole();
  if (!canWrite) return null;
  return (
    <Button size="sm" onClick={() => compose()}>
      New post
    </Button>
  );
}

// usePageTitle names the browser tab after the page.
export function usePageTitle(title: string): void {
  useEffect(() => {
    document.title = `${title} · BetterPlan`;
  }, [title]);
}

export function PageHeader({ title, children, description }: { title: string; children?: ReactNode; description?: ReactNode }) {
  usePageTitle(title);
  return (
    <div className="mb-4 flex flex-wrap items-end justify-between gap-3">
      <div className="min-w-0">
        <h1 className="text-2xl font-bold tracking-tight text-slate-950">{title}</h1>
        {description && <p className="mt-1 text-sm text-slate-700">{description}</p>}
      </div>
      {children && <div className="flex flex-wrap items-center gap-2">{children}</div>}
    </div>
  );
}

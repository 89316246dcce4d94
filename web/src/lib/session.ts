// The signed-in user and their workspaces: one query (["me"]) that is null
// when signed out.
import { callUnaryMethod } from "@connectrpc/connect-query";
import { Code } from "@connectrpc/connect";
import { queryOptions, useQuery, type QueryClient } from "@tanstack/react-query";
import { AccountService, type User } from "../gen/betterplan/account/v1/account_pb";
import type { Membership } from "../gen/betterplan/workspace/v1/workspace_pb";
import { codeOf, transport } from "./api";
import { browserTimeZone, isValidTimeZone } from "./time";

export interface Me {
  user: User;
  // Personal workspace first, then by name.
  workspaces: Membership[];
}

export const meQuery = queryOptions({
  queryKey: ["me"] as const,
  queryFn: async ({ signal }): Promise<Me | null> => {
    try {
      const r = await callUnaryMethod(transport, AccountService.method.getMe, {}, { signal });
      return r.user ? { user: r.user, workspaces: r.workspaces } : null;
    } catch (e) {
      if (codeOf(e) === Code.Unauthenticated) return null;
      throw e;
    }
  },
  staleTime: 5 * 60_000,
  retry: 1,
});

export function ensureMe(qc: QueryClient): Promise<Me | null> {
  return qc.ensureQueryData(meQuery);
}

// setUser records the user a call returned (UpdateMe), keeping the workspaces.
export function setUser(qc: QueryClient, user: User | undefined): void {
  if (user) qc.setQueryData(meQuery.queryKey, (old) => (old ? { ...old, user } : old));
}

// refreshMe reads the user and workspaces again (after signing in, joining
// or leaving a workspace).
export function refreshMe(qc: QueryClient): Promise<Me | null> {
  return qc.fetchQuery({ ...meQuery, staleTime: 0 });
}

let last: Me | undefined;

// useMe is the signed-in user, on the pages that require one (their route
// made sure there is one). Just after signing out, while those pages go
// away, it is the user who was signed in.
export function useMe(): User {
  return useMeAndWorkspaces().user;
}

// useMeAndWorkspaces is useMe with the workspaces.
export function useMeAndWorkspaces(): Me {
  const { data } = useQuery(meQuery);
  if (data) last = data;
  const me = data ?? last;
  if (!me) throw new Error("useMe outside a signed-in page");
  return me;
}

// forgetSession records that nobody is signed in, and drops every cached
// answer of the session.
export function forgetSession(qc: QueryClient): void {
  qc.setQueryData(meQuery.queryKey, null);
  qc.removeQueries({ predicate: (q) => q.queryKey[0] !== meQuery.queryKey[0] });
}

export function zoneOf(user: User | null | undefined): string {
  const tz = user?.timeZone ?? "";
  return tz && isValidTimeZone(tz) ? tz : browserTimeZone;
}

// useTimeZone is the zone the app shows and reads times in: the user's,
// or the browser's until they have one.
export function useTimeZone(): string {
  const { data } = useQuery(meQuery);
  return zoneOf(data?.user);
}

// The signed-in user: one query (["me"]) that is null when signed out.
import { callUnaryMethod } from "@connectrpc/connect-query";
import { Code } from "@connectrpc/connect";
import { queryOptions, useQuery, type QueryClient } from "@tanstack/react-query";
import { AccountService, type User } from "../gen/betterplan/account/v1/account_pb";
import { codeOf, transport } from "./api";
import { browserTimeZone, isValidTimeZone } from "./time";

export const meQuery = queryOptions({
  queryKey: ["me"] as const,
  queryFn: async ({ signal }): Promise<User | null> => {
    try {
      return (await callUnaryMethod(transport, AccountService.method.getMe, {}, { signal })).user ?? null;
    } catch (e) {
      if (codeOf(e) === Code.Unauthenticated) return null;
      throw e;
    }
  },
  staleTime: 5 * 60_000,
  retry: 1,
});

export function ensureMe(qc: QueryClient): Promise<User | null> {
  return qc.ensureQueryData(meQuery);
}

let lastUser: User | undefined;

// useMe is the signed-in user, on the pages that require one (their route
// made sure there is one). Just after signing out, while those pages go
// away, it is the user who was signed in.
export function useMe(): User {
  const { data } = useQuery(meQuery);
  if (data) lastUser = data;
  const me = data ?? lastUser;
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
  return zoneOf(data);
}

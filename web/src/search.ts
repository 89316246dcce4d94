// The search parameters of the app's pages, checked as the router reads
// them (kept apart from the pages, which load on demand).
import { parseCivil } from "./lib/time";

export interface AuthSearch {
  redirect?: string;
  expired?: boolean;
}

// Only a page of the app itself is a place to go back to.
export function safeRedirect(r: string): boolean {
  return r.startsWith("/app/") && !r.startsWith("//") && !/^\/app\/(signin|signup)\b/.test(r);
}

export function validateAuthSearch(s: Record<string, unknown>): AuthSearch {
  const out: AuthSearch = {};
  if (typeof s.redirect === "string" && safeRedirect(s.redirect)) out.redirect = s.redirect;
  if (s.expired === true || s.expired === "1" || s.expired === 1) out.expired = true;
  return out;
}

export interface CalendarSearch {
  view?: "week" | "month";
  date?: string;
}

export function validateCalendarSearch(s: Record<string, unknown>): CalendarSearch {
  const out: CalendarSearch = {};
  if (s.view === "week" || s.view === "month") out.view = s.view;
  if (typeof s.date === "string" && parseCivil(s.date)) out.date = s.date;
  return out;
}

export interface IntegrationsSearch {
  connected?: string;
  error?: string;
}

export function validateIntegrationsSearch(s: Record<string, unknown>): IntegrationsSearch {
  const out: IntegrationsSearch = {};
  if (typeof s.connected === "string") out.connected = s.connected;
  if (typeof s.error === "string") out.error = s.error;
  return out;
}

export type Show = "all" | "upcoming" | "approval" | "attention" | "drafts" | "published";

export const shows: { value: Show; label: string }[] = [
  { value: "all", label: "Everything" },
  { value: "upcoming", label: "Upcoming" },
  { value: "approval", label: "Awaiting approval" },
  { value: "attention", label: "Failed or unconfirmed" },
  { value: "drafts", label: "Drafts" },
  { value: "published", label: "Published" },
];

export interface PostsSearch {
  show?: Show;
  account?: string;
  from?: string;
  to?: string;
}

export function validatePostsSearch(s: Record<string, unknown>): PostsSearch {
  const out: PostsSearch = {};
  if (typeof s.show === "string" && shows.some((x) => x.value === s.show) && s.show !== "all") out.show = s.show as Show;
  if (typeof s.account === "string" && /^[0-9A-Za-z]{1,26}$/.test(s.account)) out.account = s.account;
  if (typeof s.from === "string" && parseCivil(s.from)) out.from = s.from;
  if (typeof s.to === "string" && parseCivil(s.to)) out.to = s.to;
  return out;
}

export interface JoinSearch {
  token?: string;
}

export function validateJoinSearch(s: Record<string, unknown>): JoinSearch {
  return typeof s.token === "string" && s.token.length <= 200 ? { token: s.token } : {};
}

// The Connect transport every query and mutation uses, and what to show a
// person when a call fails. The session is the api's cookie (same origin,
// so fetch sends it without asking).
import { Code, ConnectError, type Interceptor } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-web";

// SignUp and SignIn answer unauthenticated for a wrong password, and
// SignOut may find the session already gone: none of that is a lost session.
const sessionFreeMethods = new Set(["SignUp", "SignIn", "SignOut"]);

let onLost: (() => void) | undefined;

// onSessionLost registers what to do when a call finds the session gone
// (it expired, or was signed out elsewhere).
export function onSessionLost(fn: () => void): void {
  onLost = fn;
}

const watchSession: Interceptor = (next) => async (req) => {
  try {
    return await next(req);
  } catch (e) {
    if (ConnectError.from(e).code === Code.Unauthenticated && !sessionFreeMethods.has(req.method.name)) onLost?.();
    throw e;
  }
};

export const transport = createConnectTransport({
  baseUrl: globalThis.location?.origin ?? "http://localhost:3000",
  interceptors: [watchSession],
});

export function codeOf(e: unknown): Code {
  return ConnectError.from(e).code;
}

// isNetworkError: the api could not be reached at all.
export function isNetworkError(e: unknown): boolean {
  const err = ConnectError.from(e);
  return (err.code === Code.Unknown || err.code === Code.Unavailable) &&
    /fetch|network|load failed|networkerror/i.test(err.rawMessage);
}

// errorMessage is the server's own words for a failed call (without the
// "[code]" prefix), with field paths said as the app says them, or a plain
// sentence when the server could not be reached.
export function errorMessage(e: unknown): string {
  if (isNetworkError(e)) return "Could not reach BetterPlan. Check your connection and try again.";
  const err = ConnectError.from(e);
  const raw = err.rawMessage.replace(/^validation error:\s*/i, "").replace(/\s*\n\s*-\s*/g, "; ").replace(/^;\s*/, "");
  const text = humanizeFields(raw);
  if (!text) return `Something went wrong (${Code[err.code] ?? "error"}).`;
  return text.charAt(0).toUpperCase() + text.slice(1);
}

// fieldNames are the request fields the server names in its messages, as
// the app calls them.
const fieldNames: [RegExp, string | ((m: RegExpExecArray) => string)][] = [
  [/\bthread\.parts\[(\d+)\]/g, (m) => `Part ${Number(m[1]) + 1}`],
  [/\bthread\.parts\b/g, "The thread"],
  [/\bparts\[(\d+)\]/g, (m) => `Part ${Number(m[1]) + 1}`],
  [/(^|;\s*)text:/g, (m) => `${m[1]}The post:`],
  [/\bscheduled_time\b/g, "The publish time"],
  [/\bintegration_id\b/g, "The X account"],
  [/\bdisplay_name\b/g, "Display name"],
  [/\btime_zone\b/g, "Time zone"],
  [/\s*\[[a-z_.]+\]/g, ""], // protovalidate's rule ids, e.g. [string.max_len]
];

export function humanizeFields(msg: string): string {
  let out = msg;
  for (const [re, to] of fieldNames) {
    out = out.replace(re, (...args) => {
      if (typeof to === "string") return to;
      const m = args.slice(0, -2) as unknown as RegExpExecArray;
      return to(m);
    });
  }
  return out.trim();
}

// partErrors splits a server message about a thread or post into messages
// per part (0-based), for showing each beside its part; what names no part
// is under -1.
export function partErrors(e: unknown, thread: boolean): Map<number, string> {
  const out = new Map<number, string>();
  const raw = ConnectError.from(e).rawMessage.replace(/^validation error:\s*/i, "");
  for (const piece of raw.split(/;\s*|\n\s*-\s*/)) {
    const m = /^\s*thread\.parts\[(\d+)\]:\s*(.*)$/s.exec(piece);
    const single = /^\s*text:\s*(.*)$/s.exec(piece);
    if (m) add(Number(m[1]), m[2]);
    else if (single && !thread) add(0, single[1]);
  }
  return out;
  function add(i: number, text: string): void {
    const t = humanizeFields(text);
    const s = t.charAt(0).toUpperCase() + t.slice(1);
    out.set(i, out.has(i) ? `${out.get(i)} ${s}` : s);
  }
}

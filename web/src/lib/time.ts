// Times in a named time zone (the user's, which may differ from the
// browser's) without a date library: Intl gives the wall time of an
// instant in a zone, and zonedToInstant goes back.
import { timestampFromMs, type Timestamp } from "@bufbuild/protobuf/wkt";

// Browsers name some zones by ICU's old names (Chromium says
// Asia/Calcutta for Asia/Kolkata); people, X and the server use the
// current IANA ones. Both work everywhere: the current one is shown and saved.
const currentZoneNames: Record<string, string> = {
  "Asia/Calcutta": "Asia/Kolkata",
  "Asia/Katmandu": "Asia/Kathmandu",
  "Asia/Saigon": "Asia/Ho_Chi_Minh",
  "Asia/Rangoon": "Asia/Yangon",
  "Europe/Kiev": "Europe/Kyiv",
  "Atlantic/Faeroe": "Atlantic/Faroe",
  "America/Godthab": "America/Nuuk",
  "Pacific/Truk": "Pacific/Chuuk",
  "Pacific/Ponape": "Pacific/Pohnpei",
  "Pacific/Enderbury": "Pacific/Kanton",
};

export function currentZoneName(tz: string): string {
  return currentZoneNames[tz] ?? tz;
}

export const browserTimeZone: string = (() => {
  try {
    return currentZoneName(Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC");
  } catch {
    return "UTC";
  }
})();

export function isValidTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

// A calendar date (month 1-12).
export interface Civil {
  y: number;
  m: number;
  d: number;
}

export interface Wall extends Civil {
  h: number;
  mi: number;
  s: number;
}

const partsFormats = new Map<string, Intl.DateTimeFormat>();

function partsFormat(tz: string): Intl.DateTimeFormat {
  let f = partsFormats.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat("en-US", {
      timeZone: tz, hourCycle: "h23",
      year: "numeric", month: "numeric", day: "numeric", hour: "numeric", minute: "numeric", second: "numeric",
    });
    partsFormats.set(tz, f);
  }
  return f;
}

// wallTime is what a clock in tz shows at the instant ms.
export function wallTime(ms: number, tz: string): Wall {
  const w: Wall = { y: 0, m: 0, d: 0, h: 0, mi: 0, s: 0 };
  for (const p of partsFormat(tz).formatToParts(ms)) {
    switch (p.type) {
      case "year": w.y = Number(p.value); break;
      case "month": w.m = Number(p.value); break;
      case "day": w.d = Number(p.value); break;
      case "hour": w.h = Number(p.value) % 24; break;
      case "minute": w.mi = Number(p.value); break;
      case "second": w.s = Number(p.value); break;
    }
  }
  return w;
}

// offsetMs is tz's offset from UTC at the instant ms.
export function offsetMs(ms: number, tz: string): number {
  const w = wallTime(ms, tz);
  const whole = Math.floor(ms / 1000) * 1000;
  return Date.UTC(w.y, w.m - 1, w.d, w.h, w.mi, w.s) - whole;
}

// zonedToInstant is the instant a clock in tz shows w. A wall time skipped
// by a DST change moves forward by the gap; a repeated one takes the first.
export function zonedToInstant(w: Civil & Partial<Wall>, tz: string): number {
  const asUTC = Date.UTC(w.y, w.m - 1, w.d, w.h ?? 0, w.mi ?? 0, w.s ?? 0);
  const o1 = offsetMs(asUTC - offsetMs(asUTC, tz), tz);
  let t = asUTC - o1;
  const o2 = offsetMs(t, tz);
  if (o2 !== o1) t = asUTC - o2;
  // Prefer the earlier of two instants showing the same wall time.
  const earlier = t - 3600_000;
  const we = wallTime(earlier, tz);
  if (we.h === (w.h ?? 0) && we.mi === (w.mi ?? 0) && we.d === w.d) t = earlier;
  return t;
}

export function civilOf(ms: number, tz: string): Civil {
  const { y, m, d } = wallTime(ms, tz);
  return { y, m, d };
}

export function addDays(c: Civil, n: number): Civil {
  const dt = new Date(Date.UTC(c.y, c.m - 1, c.d + n));
  return { y: dt.getUTCFullYear(), m: dt.getUTCMonth() + 1, d: dt.getUTCDate() };
}

export function addMonths(c: Civil, n: number): Civil {
  const dt = new Date(Date.UTC(c.y, c.m - 1 + n, 1));
  const last = new Date(Date.UTC(dt.getUTCFullYear(), dt.getUTCMonth() + 1, 0)).getUTCDate();
  return { y: dt.getUTCFullYear(), m: dt.getUTCMonth() + 1, d: Math.min(c.d, last) };
}

// weekday is 0 for Monday … 6 for Sunday.
export function weekday(c: Civil): number {
  return (new Date(Date.UTC(c.y, c.m - 1, c.d)).getUTCDay() + 6) % 7;
}

export function startOfWeek(c: Civil): Civil {
  return addDays(c, -weekday(c));
}

export function sameCivil(a: Civil, b: Civil): boolean {
  return a.y === b.y && a.m === b.m && a.d === b.d;
}

export function compareCivil(a: Civil, b: Civil): number {
  return a.y - b.y || a.m - b.m || a.d - b.d;
}

const pad = (n: number, w = 2) => String(n).padStart(w, "0");

// civilString is YYYY-MM-DD.
export function civilString(c: Civil): string {
  return `${pad(c.y, 4)}-${pad(c.m)}-${pad(c.d)}`;
}

export function parseCivil(s: string | undefined): Civil | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s ?? "");
  if (!m) return undefined;
  const c = { y: Number(m[1]), m: Number(m[2]), d: Number(m[3]) };
  const back = addDays(c, 0);
  return sameCivil(c, back) ? c : undefined;
}

// isoInZone is an RFC 3339 time with tz's offset, e.g. 2026-12-03T09:30:00+01:00.
export function isoInZone(ms: number, tz: string): string {
  const w = wallTime(ms, tz);
  const off = Math.round(offsetMs(ms, tz) / 60000);
  const sign = off < 0 ? "-" : "+";
  const a = Math.abs(off);
  return `${civilString(w)}T${pad(w.h)}:${pad(w.mi)}:${pad(w.s)}${sign}${pad(Math.floor(a / 60))}:${pad(a % 60)}`;
}

// inputValue is a datetime-local input's value for ms in tz.
export function inputValue(ms: number, tz: string): string {
  const w = wallTime(ms, tz);
  return `${civilString(w)}T${pad(w.h)}:${pad(w.mi)}`;
}

// fromInputValue reads a datetime-local value as a time in tz.
export function fromInputValue(v: string, tz: string): number | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?/.exec(v);
  if (!m) return undefined;
  const [y, mo, d, h, mi, s] = m.slice(1).map((x) => Number(x ?? 0));
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59) return undefined;
  return zonedToInstant({ y, m: mo, d, h, mi, s }, tz);
}

export function tsToMs(ts: Timestamp | undefined): number | undefined {
  if (!ts) return undefined;
  return Number(ts.seconds) * 1000 + Math.floor(ts.nanos / 1e6);
}

export function msToTs(ms: number): Timestamp {
  return timestampFromMs(ms);
}

// defaultScheduleTime is the next quarter hour at least 10 minutes away.
export function defaultScheduleTime(now: number = Date.now()): number {
  const t = now + 10 * 60_000;
  const q = 15 * 60_000;
  return Math.ceil(t / q) * q;
}

const formats = new Map<string, Intl.DateTimeFormat>();

function format(tz: string, kind: string, opts: Intl.DateTimeFormatOptions): Intl.DateTimeFormat {
  const key = tz + "|" + kind;
  let f = formats.get(key);
  if (!f) {
    f = new Intl.DateTimeFormat(undefined, { ...opts, timeZone: tz });
    formats.set(key, f);
  }
  return f;
}

// formatDateTime: "Thu, Dec 3, 2026, 9:30 AM".
export function formatDateTime(ms: number | undefined, tz: string): string {
  if (ms === undefined) return "";
  return format(tz, "dt", { weekday: "short", year: "numeric", month: "short", day: "numeric", hour: "numeric", minute: "2-digit" }).format(ms);
}

// formatTime: "9:30 AM".
export function formatTime(ms: number, tz: string): string {
  return format(tz, "t", { hour: "numeric", minute: "2-digit" }).format(ms);
}

// formatHour: "9 AM" (the week view's gutter).
export function formatHour(ms: number, tz: string): string {
  return format(tz, "h", { hour: "numeric" }).format(ms);
}

export function formatCivil(c: Civil, opts: Intl.DateTimeFormatOptions): string {
  return new Intl.DateTimeFormat(undefined, { ...opts, timeZone: "UTC" }).format(Date.UTC(c.y, c.m - 1, c.d, 12));
}

const relative = new Intl.RelativeTimeFormat(undefined, { numeric: "auto" });

// fromNow says "in 5 minutes", "2 hours ago".
// A time known to be past (published, last used) never reads "in a few
// seconds" when the server's clock runs a little ahead of this one.
export function fromNow(ms: number | undefined, now: number, past = false): string {
  if (ms === undefined) return "";
  const secs = past ? Math.min(0, (ms - now) / 1000) : (ms - now) / 1000;
  const abs = Math.abs(secs);
  if (abs < 45) return secs > 0 ? "in a few seconds" : "just now";
  const [value, unit]: [number, Intl.RelativeTimeFormatUnit] =
    abs < 3600 ? [secs / 60, "minute"] :
    abs < 86400 ? [secs / 3600, "hour"] :
    abs < 86400 * 30 ? [secs / 86400, "day"] :
    [secs / (86400 * 30), "month"];
  return relative.format(Math.round(value), unit);
}

// zoneLabel names a zone as people read it: "Europe/Berlin (GMT+1)".
export function zoneLabel(tz: string, at: number = Date.now()): string {
  if (!isValidTimeZone(tz)) return tz;
  const off = Math.round(offsetMs(at, tz) / 60000);
  const sign = off < 0 ? "−" : "+";
  const a = Math.abs(off);
  const hm = a % 60 ? `${Math.floor(a / 60)}:${pad(a % 60)}` : `${Math.floor(a / 60)}`;
  return `${tz.replace(/_/g, " ")} (GMT${off === 0 ? "" : sign + hm})`;
}

export function allTimeZones(): string[] {
  const withSupport = Intl as typeof Intl & { supportedValuesOf?: (k: string) => string[] };
  try {
    const list = [...new Set((withSupport.supportedValuesOf?.("timeZone") ?? []).map(currentZoneName))].sort();
    if (list.length) return list.includes("UTC") ? list : ["UTC", ...list];
  } catch {
    // fall through
  }
  return [browserTimeZone, "UTC"];
}

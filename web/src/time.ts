// Times are shown, and entered, in the browser's own time zone.
import { timestampDate, timestampFromDate, type Timestamp } from "@bufbuild/protobuf/wkt";

export const timeZone: string = Intl.DateTimeFormat().resolvedOptions().timeZone || "local time";

const dateTime = new Intl.DateTimeFormat(undefined, {
  weekday: "short",
  year: "numeric",
  month: "short",
  day: "numeric",
  hour: "2-digit",
  minute: "2-digit",
});
const relative = new Intl.RelativeTimeFormat(undefined, { numeric: "auto" });

export function formatTime(ts: Timestamp | undefined): string {
  return ts ? dateTime.format(timestampDate(ts)) : "";
}

// fromNow says "in 5 minutes", "2 hours ago".
export function fromNow(ts: Timestamp | undefined, now: Date = new Date()): string {
  if (!ts) return "";
  const secs = (timestampDate(ts).getTime() - now.getTime()) / 1000;
  const abs = Math.abs(secs);
  const [value, unit]: [number, Intl.RelativeTimeFormatUnit] =
    abs < 60 ? [secs, "second"] :
    abs < 3600 ? [secs / 60, "minute"] :
    abs < 86400 ? [secs / 3600, "hour"] :
    [secs / 86400, "day"];
  return relative.format(Math.round(value), unit);
}

function pad(n: number): string {
  return String(n).padStart(2, "0");
}

// toLocalInput is a Date as a datetime-local input's value (local time).
export function toLocalInput(d: Date): string {
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

// fromLocalInput reads a datetime-local value as local time; undefined when
// it is empty or not a date.
export function fromLocalInput(value: string): Date | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?/.exec(value);
  if (!m) return undefined;
  const [y, mo, d, hh, mm, ss] = m.slice(1).map((s) => Number(s ?? 0));
  const date = new Date(y, mo - 1, d, hh, mm, ss);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

// inputToTimestamp converts a datetime-local value to a Timestamp.
export function inputToTimestamp(value: string): Timestamp | undefined {
  const d = fromLocalInput(value);
  return d ? timestampFromDate(d) : undefined;
}

// defaultScheduleTime is the next quarter hour at least 10 minutes away.
export function defaultScheduleTime(now: Date = new Date()): Date {
  const d = new Date(now.getTime() + 10 * 60 * 1000);
  d.setSeconds(0, 0);
  d.setMinutes(Math.ceil(d.getMinutes() / 15) * 15);
  return d;
}

import { formatDateTime, fromNow, isoInZone } from "../lib/time";
import { useNow } from "../lib/now";
import { useTimeZone } from "../lib/session";

// RelativeTime: "Thu, Dec 3, 9:30 AM (in 25 minutes)", ticking. past: the
// time has happened (a publish, a use), so it is never "in" anything.
export function RelativeTime({ ms, relative = true, past = false }: { ms: number; relative?: boolean; past?: boolean }) {
  const tz = useTimeZone();
  const now = useNow();
  return (
    <time dateTime={isoInZone(ms, tz)}>
      {formatDateTime(ms, tz)}
      {relative && <span className="text-slate-700"> ({fromNow(ms, now, past)})</span>}
    </time>
  );
}

// The composer's "repeat" and "evergreen" options: a recurring series (a
// rule at a local time) or a post that goes back to the queue after it is
// published. Both need the text to vary ({date}, {n}) because X refuses
// the same text twice.
import { useId } from "react";
import type { MessageInitShape } from "@bufbuild/protobuf";
import { Frequency, type RecurrenceSchema } from "../gen/betterplan/post/v1/series_pb";
import { Weekday } from "../gen/betterplan/post/v1/queue_pb";
import { Checkbox, Hint, Input, Label, Select } from "./ui/input";

export interface Repeat {
  freq: Frequency;
  every: number;
  weekdays: Weekday[];
  monthDay: number;
  time: string; // HH:MM
  startDate: string; // YYYY-MM-DD
  end: "never" | "until" | "count";
  until: string;
  count: number;
}

export function defaultRepeat(today: string): Repeat {
  return { freq: Frequency.WEEKLY, every: 1, weekdays: [Weekday.MONDAY], monthDay: 0, time: "09:00", startDate: today, end: "never", until: "", count: 10 };
}

const dayNames: [Weekday, string][] = [
  [Weekday.MONDAY, "Mon"], [Weekday.TUESDAY, "Tue"], [Weekday.WEDNESDAY, "Wed"], [Weekday.THURSDAY, "Thu"],
  [Weekday.FRIDAY, "Fri"], [Weekday.SATURDAY, "Sat"], [Weekday.SUNDAY, "Sun"],
];

// recurrence is the request's rule for a repeat in zone tz.
export function recurrence(r: Repeat, tz: string): MessageInitShape<typeof RecurrenceSchema> {
  return {
    frequency: r.freq, every: r.every, localTime: r.time, timeZone: tz, startDate: r.startDate,
    weekdays: r.freq === Frequency.WEEKLY ? r.weekdays : [],
    monthDay: r.freq === Frequency.MONTHLY ? r.monthDay : 0,
    untilDate: r.end === "until" ? r.until : "",
    count: r.end === "count" ? r.count : 0,
  };
}

export function varies(texts: string[]): boolean {
  return texts.some((t) => t.includes("{date}") || t.includes("{n}")) || new Set(texts).size > 1;
}

export function RepeatOptions({ repeat, setRepeat, evergreen, setEvergreen, zone }: {
  repeat: Repeat | null; setRepeat: (r: Repeat | null) => void; evergreen: number; setEvergreen: (d: number) => void; zone: string;
}) {
  const id = useId();
  const today = new Date().toISOString().slice(0, 10);
  const set = (p: Partial<Repeat>) => repeat && setRepeat({ ...repeat, ...p });
  return (
    <fieldset className="space-y-3 rounded-lg border border-slate-200 p-3">
      <legend className="px-1 text-sm font-semibold text-slate-900">Repeat</legend>
      <label className="flex min-h-11 items-center gap-2 text-sm text-slate-900">
        <Checkbox checked={repeat !== null} onChange={(e) => { setRepeat(e.target.checked ? defaultRepeat(today) : null); if (e.target.checked) setEvergreen(0); }} />
        Repeat this post on a schedule
      </label>
      {repeat && (
        <div className="grid gap-3 sm:grid-cols-2">
          <div>
            <Label htmlFor={`${id}-freq`}>Every</Label>
            <div className="mt-1 flex gap-2">
              <Input id={`${id}-every`} aria-label="How many" type="number" min={1} max={365} value={repeat.every} onChange={(e) => set({ every: Math.max(1, Number(e.target.value) || 1) })} className="w-20" />
              <Select id={`${id}-freq`} value={repeat.freq} onChange={(e) => set({ freq: Number(e.target.value) as Frequency })}>
                <option value={Frequency.DAILY}>day(s)</option>
                <option value={Frequency.WEEKLY}>week(s)</option>
                <option value={Frequency.MONTHLY}>month(s)</option>
              </Select>
            </div>
          </div>
          <div>
            <Label htmlFor={`${id}-time`}>At</Label>
            <Input id={`${id}-time`} type="time" step={60} value={repeat.time} onChange={(e) => set({ time: e.target.value })} className="mt-1 w-36" />
          </div>
          {repeat.freq === Frequency.WEEKLY && (
            <fieldset className="sm:col-span-2">
              <legend className="text-sm font-semibold text-slate-900">On</legend>
              <div className="flex flex-wrap gap-x-3">
                {dayNames.map(([d, name]) => (
                  <label key={d} className="flex min-h-11 items-center gap-1 text-sm">
                    <Checkbox checked={repeat.weekdays.includes(d)} onChange={(e) => set({ weekdays: e.target.checked ? [...repeat.weekdays, d] : repeat.weekdays.filter((x) => x !== d) })} />
                    {name}
                  </label>
                ))}
              </div>
            </fieldset>
          )}
          {repeat.freq === Frequency.MONTHLY && (
            <div>
              <Label htmlFor={`${id}-mday`}>Day of the month</Label>
              <Input id={`${id}-mday`} type="number" min={1} max={31} value={repeat.monthDay || ""} placeholder="the start date's" onChange={(e) => set({ monthDay: Number(e.target.value) || 0 })} className="mt-1 w-28" />
            </div>
          )}
          <div>
            <Label htmlFor={`${id}-start`}>Starting</Label>
            <Input id={`${id}-start`} type="date" value={repeat.startDate} onChange={(e) => set({ startDate: e.target.value })} className="mt-1" />
          </div>
          <div>
            <Label htmlFor={`${id}-end`}>Ends</Label>
            <div className="mt-1 flex gap-2">
              <Select id={`${id}-end`} value={repeat.end} onChange={(e) => set({ end: e.target.value as Repeat["end"] })}>
                <option value="never">never</option>
                <option value="until">on a date</option>
                <option value="count">after a number of posts</option>
              </Select>
              {repeat.end === "until" && <Input aria-label="Last date" type="date" value={repeat.until} onChange={(e) => set({ until: e.target.value })} />}
              {repeat.end === "count" && <Input aria-label="Number of posts" type="number" min={1} max={10000} value={repeat.count} onChange={(e) => set({ count: Math.max(1, Number(e.target.value) || 1) })} className="w-24" />}
            </div>
          </div>
          <Hint className="sm:col-span-2">
            In {zone}. X refuses the same text twice: put {"{date}"} (the day's date) or {"{n}"} (the post's number) in the text.
          </Hint>
        </div>
      )}
      {!repeat && (
        <div className="flex flex-wrap items-center gap-2">
          <label className="flex min-h-11 items-center gap-2 text-sm text-slate-900">
            <Checkbox checked={evergreen > 0} onChange={(e) => setEvergreen(e.target.checked ? 30 : 0)} />
            Evergreen: back to the end of the queue after it goes out, at most every
          </label>
          <Input aria-label="Days between evergreen posts" type="number" min={1} max={3650} value={evergreen || 30} disabled={evergreen === 0}
            onChange={(e) => setEvergreen(Math.max(1, Number(e.target.value) || 1))} className="w-20" />
          <span className="text-sm text-slate-900">days</span>
        </div>
      )}
    </fieldset>
  );
}

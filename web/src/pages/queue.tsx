// Queue: an X account's posting schedule (weekly local times in a zone)
// and its coming slots, empty ones included, with their posts: reordered
// by dragging or with the move buttons, shuffled, paused and resumed.
import { createConnectQueryKey, useMutation, useQuery } from "@connectrpc/connect-query";
import { useQueryClient } from "@tanstack/react-query";
import { useEffect, useId, useMemo, useState, type DragEvent, type FormEvent } from "react";
import { PageHeader } from "../components/AppShell";
import { PostParts } from "../components/PostBits";
import { Button } from "../components/ui/button";
import { Alert, Card } from "../components/ui/card";
import { Hint, Input, Label, Select } from "../components/ui/input";
import { toast } from "../components/ui/toast";
import { IntegrationService } from "../gen/betterplan/integration/v1/integration_pb";
import { PostService } from "../gen/betterplan/post/v1/post_pb";
import { QueueService, Weekday, type Move, type PostingSlot, type QueueSlot } from "../gen/betterplan/post/v1/queue_pb";
import { Frequency, SeriesService, type Recurrence } from "../gen/betterplan/post/v1/series_pb";
import { useConfirm } from "../components/ui/alert-dialog";
import { errorMessage } from "../lib/api";
import { allTimeZones, tsToMs } from "../lib/time";
import { useTimeZone } from "../lib/session";
import { useRole, useWorkspaceId } from "../lib/workspace";
import { cn } from "../lib/utils";

const days: { day: Weekday; name: string }[] = [
  { day: Weekday.MONDAY, name: "Monday" },
  { day: Weekday.TUESDAY, name: "Tuesday" },
  { day: Weekday.WEDNESDAY, name: "Wednesday" },
  { day: Weekday.THURSDAY, name: "Thursday" },
  { day: Weekday.FRIDAY, name: "Friday" },
  { day: Weekday.SATURDAY, name: "Saturday" },
  { day: Weekday.SUNDAY, name: "Sunday" },
];

const queueKey = createConnectQueryKey({ schema: QueueService, cardinality: undefined });
const postsKey = createConnectQueryKey({ schema: PostService, cardinality: undefined });

export function QueuePage() {
  const workspaceId = useWorkspaceId();
  const accounts = useQuery(IntegrationService.method.listIntegrations, { workspaceId });
  const list = useMemo(() => accounts.data?.integrations ?? [], [accounts.data]);
  const [accountId, setAccountId] = useState("");
  useEffect(() => {
    if (list.length && !list.some((a) => a.id === accountId)) setAccountId(list[0].id);
  }, [list, accountId]);
  const id = useId();
  return (
    <>
      <PageHeader title="Queue" description="Set when each X account posts; posts added to its queue take the next free time." />
      {accounts.isError && <Alert>Could not load your X accounts: {errorMessage(accounts.error)}</Alert>}
      {accounts.isSuccess && list.length === 0 && <Alert tone="info">Connect an X account first: each account has its own queue.</Alert>}
      {list.length > 0 && (
        <div className="space-y-6">
          <div className="max-w-xs">
            <Label htmlFor={`${id}-account`}>X account</Label>
            <Select id={`${id}-account`} value={accountId} onChange={(e) => setAccountId(e.target.value)} className="mt-1">
              {list.map((a) => (
                <option key={a.id} value={a.id}>
                  @{a.username}
                </option>
              ))}
            </Select>
          </div>
          {accountId && <AccountQueue key={accountId} integrationId={accountId} />}
          <SeriesCard />
        </div>
      )}
    </>
  );
}

// SeriesCard lists the workspace's recurring posts, each with its rule and
// a way to stop it.
function SeriesCard() {
  const workspaceId = useWorkspaceId();
  const { canSchedule } = useRole();
  const qc = useQueryClient();
  const list = useQuery(SeriesService.method.listSeries, { workspaceId });
  const stop = useMutation(SeriesService.method.deleteSeries);
  const confirm = useConfirm();
  const series = list.data?.series ?? [];
  if (series.length === 0) return null;
  return (
    <Card>
      <h2 className="text-lg font-semibold text-slate-950">Recurring posts</h2>
      <ul className="mt-2 divide-y divide-slate-200" aria-label="Recurring posts">
        {series.map((s) => (
          <li key={s.id} className="flex flex-wrap items-center justify-between gap-2 py-2">
            <div className="min-w-0">
              <p className="text-sm break-words text-slate-950">{s.texts[0]}{s.texts.length > 1 ? ` (+${s.texts.length - 1} more texts)` : ""}</p>
              <p className="text-xs text-slate-700">
                {describe(s.recurrence)} · {s.made} posted or planned{s.finished ? " · ended" : ""}
              </p>
            </div>
            {canSchedule && (
              <Button size="sm" variant="ghost" onClick={async () => {
                if (!(await confirm({ title: "Stop this recurring post?", description: <p>Its coming posts are deleted; those on X stay.</p>, confirmLabel: "Stop", danger: true }))) return;
                stop.mutateAsync({ id: s.id }).then(() => {
                  void qc.invalidateQueries({ queryKey: createConnectQueryKey({ schema: SeriesService, cardinality: undefined }) });
                  void qc.invalidateQueries({ queryKey: queueKey });
                  void qc.invalidateQueries({ queryKey: postsKey });
                  toast({ title: "Recurring post stopped" });
                }, (e: unknown) => toast({ tone: "error", title: "Could not stop it", description: errorMessage(e) }));
              }}>
                Stop
              </Button>
            )}
          </li>
        ))}
      </ul>
    </Card>
  );
}

function describe(r: Recurrence | undefined): string {
  if (!r) return "";
  const unit = r.frequency === Frequency.DAILY ? "day" : r.frequency === Frequency.WEEKLY ? "week" : "month";
  const every = r.every > 1 ? `Every ${r.every} ${unit}s` : `Every ${unit}`;
  const on = r.frequency === Frequency.WEEKLY && r.weekdays.length ? ` on ${r.weekdays.map((d) => days.find((x) => x.day === d)?.name.slice(0, 3)).join(", ")}` : "";
  const end = r.untilDate ? `, until ${r.untilDate}` : r.count ? `, ${r.count} times` : "";
  return `${every}${on} at ${r.localTime} (${r.timeZone}), from ${r.startDate}${end}`;
}

function AccountQueue({ integrationId }: { integrationId: string }) {
  const { canSchedule } = useRole();
  const q = useQuery(QueueService.method.listQueue, { integrationId, count: 28 });
  const schedule = q.data?.schedule;
  return (
    <>
      {q.isError && <Alert>Could not load the queue: {errorMessage(q.error)}</Alert>}
      {schedule && <ScheduleCard integrationId={integrationId} slots={schedule.slots} zone={schedule.timeZone} paused={schedule.paused} editable={canSchedule} />}
      {q.data && <SlotsCard integrationId={integrationId} slots={q.data.slots} held={q.data.held.length} paused={!!schedule?.paused} editable={canSchedule} zone={schedule?.timeZone ?? ""} />}
    </>
  );
}

// movedText says where the moved posts went, for a toast.
function movedText(moved: Move[]): string | undefined {
  if (moved.length === 0) return undefined;
  if (moved.every((m) => !m.to)) return `${moved.length} post${moved.length === 1 ? "" : "s"} held, in order, until the queue resumes.`;
  const parts = moved.slice(0, 3).map((m) => `“${(m.to?.post?.parts[0]?.text ?? "a post").slice(0, 30)}” ${m.to ? `→ ${m.to.localTime.replace("T", " ")}` : "held"}`);
  return parts.join("; ") + (moved.length > 3 ? ` and ${moved.length - 3} more` : "");
}

function ScheduleCard({ integrationId, slots, zone, paused, editable }: { integrationId: string; slots: PostingSlot[]; zone: string; paused: boolean; editable: boolean }) {
  const id = useId();
  const qc = useQueryClient();
  const myZone = useTimeZone();
  const zones = useMemo(() => allTimeZones(), []);
  const [tz, setTz] = useState(zone || myZone);
  const [times, setTimes] = useState<Map<Weekday, string[]>>(() => {
    const m = new Map<Weekday, string[]>();
    for (const s of slots) m.set(s.weekday, [...(m.get(s.weekday) ?? []), s.localTime]);
    return m;
  });
  const [adding, setAdding] = useState("09:00");
  const [error, setError] = useState("");
  const save = useMutation(QueueService.method.updatePostingSchedule);

  const submit = (next: { paused?: boolean } = {}) => (e?: FormEvent) => {
    e?.preventDefault();
    setError("");
    const out: { weekday: Weekday; localTime: string }[] = [];
    for (const [day, ts] of times) for (const t of ts) out.push({ weekday: day, localTime: t });
    save.mutateAsync({ integrationId, timeZone: tz, slots: out, paused: next.paused ?? paused }).then(
      (r) => {
        void qc.invalidateQueries({ queryKey: queueKey });
        void qc.invalidateQueries({ queryKey: postsKey });
        toast({ title: next.paused === true ? "Queue paused" : next.paused === false ? "Queue resumed" : "Posting times saved", description: movedText(r.moved) });
      },
      (err: unknown) => setError(errorMessage(err)),
    );
  };
  const addEverywhere = (weekdaysOnly: boolean) =>
    setTimes((m) => {
      const n = new Map(m);
      for (const { day } of days) {
        if (weekdaysOnly && (day === Weekday.SATURDAY || day === Weekday.SUNDAY)) continue;
        const cur = n.get(day) ?? [];
        if (!cur.includes(adding)) n.set(day, [...cur, adding].sort());
      }
      return n;
    });

  return (
    <Card>
      <form onSubmit={submit()} className="space-y-4">
        <div className="flex flex-wrap items-start justify-between gap-3">
          <div>
            <h2 className="text-lg font-semibold text-slate-950">Posting times</h2>
            <p className="text-sm text-slate-700">
              In {zone || tz}. {paused ? "The queue is paused: its posts wait, in order, and nothing is posted from it." : "Daylight saving never moves a post off its local time."}
            </p>
          </div>
          {editable && slots.length > 0 && (
            <Button variant="secondary" onClick={() => submit({ paused: !paused })()} disabled={save.isPending}>
              {paused ? "Resume queue" : "Pause queue"}
            </Button>
          )}
        </div>
        <div className="max-w-xs">
          <Label htmlFor={`${id}-zone`}>Time zone</Label>
          <Select id={`${id}-zone`} value={tz} disabled={!editable} onChange={(e) => setTz(e.target.value)} className="mt-1">
            {zones.map((z) => (
              <option key={z} value={z}>
                {z.replace(/_/g, " ")}
              </option>
            ))}
          </Select>
        </div>
        <ul className="grid gap-2 sm:grid-cols-2 lg:grid-cols-4" aria-label="Times per day">
          {days.map(({ day, name }) => (
            <li key={day} className="rounded-lg border border-slate-200 p-2">
              <p className="text-sm font-semibold text-slate-900">{name}</p>
              <ul className="mt-1 flex flex-wrap gap-1">
                {(times.get(day) ?? []).map((t) => (
                  <li key={t} className="flex items-center rounded bg-slate-100 pl-2 text-sm tabular-nums">
                    {t}
                    {editable && (
                      <Button size="icon" variant="ghost" aria-label={`Remove ${name} ${t}`} onClick={() => setTimes((m) => new Map(m).set(day, (m.get(day) ?? []).filter((x) => x !== t)))}>
                        <span aria-hidden="true">×</span>
                      </Button>
                    )}
                  </li>
                ))}
                {(times.get(day) ?? []).length === 0 && <li className="text-sm text-slate-600">No posts</li>}
              </ul>
            </li>
          ))}
        </ul>
        {editable && (
          <div className="flex flex-wrap items-end gap-2">
            <div>
              <Label htmlFor={`${id}-time`}>Time</Label>
              <Input id={`${id}-time`} type="time" step={60} value={adding} onChange={(e) => setAdding(e.target.value)} className="mt-1 w-36" />
            </div>
            <Button variant="secondary" onClick={() => addEverywhere(true)} disabled={!adding}>
              Add to weekdays
            </Button>
            <Button variant="ghost" onClick={() => addEverywhere(false)} disabled={!adding}>
              Add to every day
            </Button>
            <Button type="submit" className="ml-auto" disabled={save.isPending}>
              {save.isPending ? "Saving…" : "Save posting times"}
            </Button>
          </div>
        )}
        <Hint>
          A time that does not exist on the day clocks spring forward (02:30) is taken when they jump (03:00); one that happens twice when they fall back is taken once, the first time.
        </Hint>
        {error && <Alert role="alert">{error}</Alert>}
      </form>
    </Card>
  );
}

function SlotsCard({ integrationId, slots, held, paused, editable, zone }: { integrationId: string; slots: QueueSlot[]; held: number; paused: boolean; editable: boolean; zone: string }) {
  const qc = useQueryClient();
  const reorder = useMutation(QueueService.method.reorderQueue);
  const shuffle = useMutation(QueueService.method.shuffleQueue);
  const [dragging, setDragging] = useState<string | null>(null);
  const [error, setError] = useState("");
  const refresh = () => {
    void qc.invalidateQueries({ queryKey: queueKey });
    void qc.invalidateQueries({ queryKey: postsKey });
  };
  const move = (postId: string, to: QueueSlot) => {
    setError("");
    reorder.mutateAsync({ postId, slotTime: to.time }).then(
      (r) => {
        refresh();
        toast({ title: "Queue rearranged", description: movedText(r.moved) });
      },
      (e: unknown) => setError(errorMessage(e)),
    );
  };
  const day = (s: QueueSlot) => new Date(tsToMs(s.time) ?? 0).toLocaleDateString(undefined, { weekday: "long", day: "numeric", month: "long", timeZone: zone || undefined });
  const queued = slots.filter((s) => s.post).length;
  if (paused) {
    return (
      <Card>
        <h2 className="text-lg font-semibold text-slate-950">Paused</h2>
        <p className="text-sm text-slate-700">{held} post{held === 1 ? "" : "s"} wait{held === 1 ? "s" : ""} in the queue, in order; they take the next free times when it resumes.</p>
      </Card>
    );
  }
  return (
    <Card>
      <div className="mb-3 flex flex-wrap items-center justify-between gap-2">
        <h2 className="text-lg font-semibold text-slate-950">
          Coming times <span className="text-sm font-normal text-slate-700">({queued} queued, in {zone})</span>
        </h2>
        {editable && queued > 1 && (
          <Button variant="secondary" disabled={shuffle.isPending}
            onClick={() => shuffle.mutateAsync({ integrationId }).then(() => { refresh(); toast({ title: "Queue shuffled" }); }, (e: unknown) => setError(errorMessage(e)))}>
            Shuffle
          </Button>
        )}
      </div>
      {slots.length === 0 && <p className="text-sm text-slate-700">No posting times yet: add some above.</p>}
      {error && <Alert role="alert" className="mb-2">{error}</Alert>}
      <ol className="space-y-2" aria-label="Queue">
        {slots.map((s, i) => {
          const onDrop = (e: DragEvent) => {
            e.preventDefault();
            const id = e.dataTransfer.getData("text/x-post-id");
            setDragging(null);
            if (id && id !== s.post?.id) move(id, s);
          };
          const prev = slots[i - 1];
          const next = slots[i + 1];
          return (
            <li key={s.localTime} data-testid="queue-slot"
              onDragOver={(e) => { if (dragging) e.preventDefault(); }}
              onDrop={onDrop}
              className={cn("rounded-lg border p-3", s.post ? "border-slate-200 bg-white" : "border-dashed border-slate-300 bg-slate-50")}>
              <div className="flex flex-wrap items-center justify-between gap-2">
                <p className="text-sm font-semibold text-slate-900">
                  <time dateTime={s.localTime}>{day(s)}, {s.localTime.slice(11)}</time>
                </p>
                {s.post && editable && (
                  <div className="flex gap-1">
                    <Button size="sm" variant="ghost" disabled={!prev || reorder.isPending} onClick={() => prev && move(s.post!.id, prev)} aria-label={`Move up: ${s.post.parts[0]?.text.slice(0, 40)}`}>
                      Up
                    </Button>
                    <Button size="sm" variant="ghost" disabled={!next || reorder.isPending} onClick={() => next && move(s.post!.id, next)} aria-label={`Move down: ${s.post.parts[0]?.text.slice(0, 40)}`}>
                      Down
                    </Button>
                  </div>
                )}
              </div>
              {s.post ? (
                <div draggable={editable} onDragStart={(e) => { e.dataTransfer.setData("text/x-post-id", s.post!.id); setDragging(s.post!.id); }} onDragEnd={() => setDragging(null)}
                  className={cn("mt-1", editable && "cursor-grab")}>
                  <PostParts post={s.post} clamp />
                </div>
              ) : (
                <p className="mt-1 text-sm text-slate-600">Empty: the next post added to the queue goes here.</p>
              )}
            </li>
          );
        })}
      </ol>
    </Card>
  );
}

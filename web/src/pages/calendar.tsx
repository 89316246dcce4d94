// The calendar (the home page): every post with a time, by week (30-minute
// slots) or by month, in the user's time zone. A chip opens its post; a
// chip dragged to another slot (or day: the time of day is kept) moves the
// post; a click on an empty slot writes a post for that time.
import { useInfiniteQuery, useQuery } from "@connectrpc/connect-query";
import { keepPreviousData } from "@tanstack/react-query";
import { useNavigate } from "@tanstack/react-router";
import { useCallback, useEffect, useLayoutEffect, useMemo, useRef, useState, type PointerEvent as ReactPointerEvent, type RefObject } from "react";
import { PageHeader } from "../components/AppShell";
import { Avatar } from "../components/Avatar";
import { useComposer } from "../components/ComposerHost";
import { Button } from "../components/ui/button";
import { Alert } from "../components/ui/card";
import { toast } from "../components/ui/toast";
import { IntegrationService, type Integration } from "../gen/betterplan/integration/v1/integration_pb";
import { PostService, Status, type Post } from "../gen/betterplan/post/v1/post_pb";
import { errorMessage } from "../lib/api";
import { useNow } from "../lib/now";
import { firstWords, movable, statusInfo, statusLabel } from "../lib/posts";
import { useReschedule } from "../lib/reschedule";
import { useTimeZone } from "../lib/session";
import {
  addDays, addMonths, civilOf, civilString, defaultScheduleTime, formatCivil, formatHour, formatTime, isoInZone,
  msToTs, parseCivil, sameCivil, startOfWeek, tsToMs, wallTime, zonedToInstant, zoneLabel, type Civil,
} from "../lib/time";
import { cn } from "../lib/utils";
import type { CalendarSearch } from "../search";
import { usePostAccess, useRole, useWorkspaceId } from "../lib/workspace";

const slotMinutes = 30;
const rows = (24 * 60) / slotMinutes;

export function CalendarPage({ search }: { search: CalendarSearch }) {
  const tz = useTimeZone();
  const workspaceId = useWorkspaceId();
  const { canWrite } = useRole();
  const now = useNow();
  const navigate = useNavigate();
  const { compose, openPost } = useComposer();
  const reschedule = useReschedule();
  const today = civilOf(now, tz);
  const view = search.view ?? "week";
  const anchor = parseCivil(search.date) ?? today;

  const days = useMemo(() => {
    if (view === "week") {
      const start = startOfWeek(anchor);
      return Array.from({ length: 7 }, (_, i) => addDays(start, i));
    }
    const start = startOfWeek({ ...anchor, d: 1 });
    return Array.from({ length: 42 }, (_, i) => addDays(start, i));
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [view, anchor.y, anchor.m, view === "week" ? anchor.d : 0]);
  const from = zonedToInstant(days[0], tz);
  const to = zonedToInstant(addDays(days[days.length - 1], 1), tz);

  const q = useInfiniteQuery(
    PostService.method.listPosts,
    { workspaceId, scheduledAfter: msToTs(from), scheduledBefore: msToTs(to), pageSize: 100, pageToken: "" },
    { pageParamKey: "pageToken", getNextPageParam: (r) => r.nextPageToken || undefined, placeholderData: keepPreviousData },
  );
  // The calendar shows every post of its range: read the pages that follow.
  useEffect(() => {
    if (q.hasNextPage && !q.isFetchingNextPage && !q.isError) void q.fetchNextPage();
  }, [q.hasNextPage, q.isFetchingNextPage, q.isError, q]);
  const accounts = useQuery(IntegrationService.method.listIntegrations, { workspaceId });
  const accountById = useMemo(() => new Map((accounts.data?.integrations ?? []).map((a) => [a.id, a])), [accounts.data]);

  // Moves on their way to the server show at once.
  const [moving, setMoving] = useState<Map<string, number>>(new Map());
  const posts = useMemo(() => {
    const seen = new Set<string>();
    const out: { post: Post; at: number }[] = [];
    for (const page of q.data?.pages ?? []) {
      for (const p of page.posts) {
        const at = moving.get(p.id) ?? tsToMs(p.scheduledTime);
        if (at === undefined || seen.has(p.id)) continue;
        seen.add(p.id);
        out.push({ post: p, at });
      }
    }
    return out.sort((a, b) => a.at - b.at);
  }, [q.data, moving]);

  const move = useCallback(async (post: Post, at: number) => {
    setMoving((m) => new Map(m).set(post.id, at));
    await reschedule(post, at);
    setMoving((m) => {
      const n = new Map(m);
      n.delete(post.id);
      return n;
    });
  }, [reschedule]);

  const go = (date: Civil | undefined, v = view) =>
    void navigate({ to: "/calendar", search: { view: v === "week" ? undefined : v, date: date && !sameCivil(date, today) ? civilString(date) : undefined } });
  const step = (n: number) => go(view === "week" ? addDays(anchor, 7 * n) : addMonths({ ...anchor, d: 1 }, n));

  const rangeLabel = view === "week"
    ? `${formatCivil(days[0], { month: "short", day: "numeric" })} – ${formatCivil(days[6], { month: "short", day: "numeric", year: "numeric" })}`
    : formatCivil(anchor, { month: "long", year: "numeric" });
  const unit = view === "week" ? "week" : "month";
  const loading = q.isPending || q.isFetchingNextPage || q.hasNextPage;

  return (
    <>
      <PageHeader title="Calendar" description={`Times in ${zoneLabel(tz)}.`}>
        <div role="group" aria-label="View" className="inline-flex rounded-lg ring-1 ring-slate-300">
          <Button variant={view === "week" ? "primary" : "ghost"} size="sm" aria-pressed={view === "week"} onClick={() => go(anchor, "week")} className="rounded-r-none">
            Week
          </Button>
          <Button variant={view === "month" ? "primary" : "ghost"} size="sm" aria-pressed={view === "month"} onClick={() => go(anchor, "month")} className="rounded-l-none">
            Month
          </Button>
        </div>
      </PageHeader>

      <div className="mb-3 flex flex-wrap items-center gap-2">
        <Button variant="secondary" size="icon" aria-label={`Previous ${unit}`} onClick={() => step(-1)}>
          <Chevron dir="left" />
        </Button>
        <Button variant="secondary" size="sm" onClick={() => go(undefined)}>
          Today
        </Button>
        <Button variant="secondary" size="icon" aria-label={`Next ${unit}`} onClick={() => step(1)}>
          <Chevron dir="right" />
        </Button>
        <h2 className="ml-2 text-lg font-semibold text-slate-950" aria-live="polite">
          {rangeLabel}
        </h2>
        <p className="ml-auto text-sm text-slate-700" aria-live="polite">
          {loading ? "Loading posts…" : posts.length === 0 ? `Nothing scheduled this ${unit}.${canWrite ? " Click a time to write a post." : ""}` : `${posts.length} post${posts.length === 1 ? "" : "s"}`}
        </p>
      </div>
      {q.isError && <Alert role="alert" className="mb-3">Could not load the posts: {errorMessage(q.error)}</Alert>}

      <Board
        view={view}
        days={days}
        today={today}
        now={now}
        tz={tz}
        posts={posts}
        accountById={accountById}
        onOpen={(p) => openPost(p.id)}
        onMove={move}
        // A viewer reads the calendar; an empty slot opens no composer.
        onCompose={(at) => canWrite && compose(at)}
        onComposeDay={(day) => {
          if (!canWrite) return;
          if (sameCivil(day, today)) compose(defaultScheduleTime());
          else if (zonedToInstant(day, tz) < now) compose();
          else compose(zonedToInstant({ ...day, h: 9 }, tz));
        }}
        onShowDay={(day) => go(day, "week")}
      />
      <Legend />
    </>
  );
}

interface BoardProps {
  view: "week" | "month";
  days: Civil[];
  today: Civil;
  now: number;
  tz: string;
  posts: { post: Post; at: number }[];
  accountById: Map<string, Integration>;
  onOpen: (p: Post) => void;
  onMove: (p: Post, at: number) => void;
  onCompose: (at: number) => void;
  onComposeDay: (day: Civil) => void;
  onShowDay: (day: Civil) => void;
}

function Board(props: BoardProps) {
  const { view, days, tz, posts, now } = props;
  const region = useRef<HTMLDivElement>(null);
  const drag = useChipDrag(region, (post, slot) => {
    const at = dropTime(post, slot, tz);
    if (at === undefined) return;
    if (at < Date.now()) {
      toast({ id: `post-${post.id}`, tone: "error", title: "That time has passed", description: "Drop the post on a time after now." });
      return;
    }
    props.onMove(post, at);
  });

  // Where each post goes: week cells are day × slot, month cells are days.
  const byCell = useMemo(() => {
    const m = new Map<string, { post: Post; at: number }[]>();
    for (const item of posts) {
      const w = wallTime(item.at, tz);
      const di = days.findIndex((d) => sameCivil(d, w));
      if (di < 0) continue;
      const key = view === "week" ? `${di}:${Math.floor((w.h * 60 + w.mi) / slotMinutes)}` : `${di}`;
      const list = m.get(key) ?? [];
      list.push(item);
      m.set(key, list);
    }
    return m;
  }, [posts, days, tz, view]);

  // The week opens at the current hour (or 8 AM), not at midnight.
  const scrolledFor = useRef("");
  useLayoutEffect(() => {
    if (view !== "week" || !region.current) return;
    const key = civilString(days[0]);
    if (scrolledFor.current === key) return;
    scrolledFor.current = key;
    const inWeek = days.some((d) => sameCivil(d, props.today));
    const hour = inWeek ? Math.max(0, wallTime(now, tz).h - 1) : 8;
    const row = region.current.querySelector<HTMLElement>(`[data-row="${hour * 2}"]`);
    const head = region.current.querySelector<HTMLElement>("[data-head]");
    if (row) {
      const top = row.getBoundingClientRect().top - region.current.getBoundingClientRect().top;
      region.current.scrollTop += top - (head?.offsetHeight ?? 0) - 12;
    }
  }, [view, days, now, tz, props.today]);

  const chip = (item: { post: Post; at: number }, compact: boolean) => (
    <Chip
      key={item.post.id}
      item={item}
      tz={tz}
      compact={compact}
      account={props.accountById.get(item.post.integrationId)}
      dragging={drag.draggingId === item.post.id}
      onPointerDown={drag.onPointerDown}
      onOpen={() => !drag.justDropped() && props.onOpen(item.post)}
    />
  );

  if (view === "month") {
    return (
      <div ref={region} role="region" aria-label="Month" tabIndex={0} className="overflow-x-auto rounded-xl border border-slate-200 bg-white focus-visible:outline-2 focus-visible:outline-sky-700">
        <div className="grid min-w-[44rem] grid-cols-7">
          {days.slice(0, 7).map((d) => (
            <div key={civilString(d)} className="border-b border-slate-200 px-2 py-2 text-center text-xs font-semibold text-slate-700 uppercase" aria-hidden="true">
              {formatCivil(d, { weekday: "short" })}
            </div>
          ))}
          {days.map((d, i) => {
            const items = byCell.get(`${i}`) ?? [];
            const isToday = sameCivil(d, props.today);
            const inMonth = d.m === days[15].m;
            const shown = items.length > 4 ? items.slice(0, 3) : items;
            const label = formatCivil(d, { weekday: "long", month: "long", day: "numeric" });
            return (
              <div
                key={civilString(d)}
                data-testid="calendar-slot"
                data-time={isoInZone(zonedToInstant(d, tz), tz)}
                data-day={civilString(d)}
                onClick={(e) => {
                  if (!(e.target as HTMLElement).closest("button")) props.onComposeDay(d);
                }}
                className={cn(
                  "group min-h-32 cursor-pointer border-b border-l border-slate-200 p-1 first:border-l-0 [&:nth-child(7n+1)]:border-l-0",
                  !inMonth && "bg-slate-50",
                  "data-[drop=true]:bg-sky-100 data-[drop=true]:ring-2 data-[drop=true]:ring-sky-600 data-[drop=true]:ring-inset",
                )}
              >
                <div className="flex items-center justify-between px-1 pb-1">
                  <span
                    aria-current={isToday ? "date" : undefined}
                    className={cn(
                      "inline-flex size-7 items-center justify-center rounded-full text-sm font-semibold",
                      isToday ? "bg-sky-700 text-white" : inMonth ? "text-slate-900" : "text-slate-600",
                    )}
                  >
                    <span className="sr-only">{label}</span>
                    <span aria-hidden="true">{d.d}</span>
                  </span>
                </div>
                <ul className="space-y-1">
                  {shown.map((it) => <li key={it.post.id}>{chip(it, true)}</li>)}
                </ul>
                {items.length > shown.length && (
                  <Button variant="link" size="sm" className="w-full justify-start text-xs" onClick={() => props.onShowDay(d)}>
                    {items.length - shown.length} more<span className="sr-only"> on {label}</span>
                  </Button>
                )}
              </div>
            );
          })}
        </div>
        <DragGhost drag={drag} />
      </div>
    );
  }

  return (
    <div
      ref={region}
      role="region"
      aria-label="Week"
      tabIndex={0}
      className="max-h-[calc(100dvh-14rem)] min-h-96 overflow-auto rounded-xl border border-slate-200 bg-white focus-visible:outline-2 focus-visible:outline-sky-700"
    >
      <div className="grid min-w-[46rem] grid-cols-[3.5rem_repeat(7,minmax(0,1fr))]">
        <div data-head className="sticky top-0 z-20 col-span-8 grid grid-cols-subgrid border-b border-slate-300 bg-white">
          <div />
          {days.map((d) => {
            const isToday = sameCivil(d, props.today);
            return (
              <div key={civilString(d)} aria-current={isToday ? "date" : undefined} className="border-l border-slate-200 px-1 py-2 text-center">
                <div className={cn("text-xs font-semibold uppercase", isToday ? "text-sky-800" : "text-slate-700")}>{formatCivil(d, { weekday: "short" })}</div>
                <div className={cn("mx-auto mt-0.5 inline-flex size-8 items-center justify-center rounded-full text-base font-bold", isToday ? "bg-sky-700 text-white" : "text-slate-950")}>
                  {d.d}
                </div>
              </div>
            );
          })}
        </div>
        {Array.from({ length: rows }, (_, r) => {
          const hourStart = r % 2 === 0;
          return (
            <div key={r} data-row={r} className="col-span-8 grid grid-cols-subgrid">
              <div className={cn("relative pr-2 text-right text-xs text-slate-700", hourStart && "border-t border-slate-200")}>
                {hourStart && <span className="relative -top-2 bg-white px-0.5">{formatHour(zonedToInstant({ ...days[0], h: r / 2 }, tz), tz)}</span>}
              </div>
              {days.map((d, di) => {
                const at = zonedToInstant({ ...d, h: Math.floor(r / 2), mi: (r % 2) * slotMinutes }, tz);
                const items = byCell.get(`${di}:${r}`) ?? [];
                const isToday = sameCivil(d, props.today);
                const nowHere = isToday && now >= at && now < at + slotMinutes * 60_000;
                return (
                  <div
                    key={di}
                    data-testid="calendar-slot"
                    data-time={isoInZone(at, tz)}
                    data-ms={at}
                    onClick={(e) => {
                      if (!(e.target as HTMLElement).closest("button")) props.onCompose(at > now ? at : defaultScheduleTime(now));
                    }}
                    className={cn(
                      "relative min-h-12 cursor-pointer border-l border-slate-200 p-0.5",
                      hourStart ? "border-t border-t-slate-200" : "border-t border-t-slate-100 border-dashed",
                      at + slotMinutes * 60_000 <= now && "bg-slate-50/70",
                      "hover:bg-sky-50/60 data-[drop=true]:bg-sky-100 data-[drop=true]:ring-2 data-[drop=true]:ring-sky-600 data-[drop=true]:ring-inset",
                    )}
                  >
                    {items.length > 0 && (
                      <ul className="space-y-0.5">
                        {items.map((it) => <li key={it.post.id}>{chip(it, false)}</li>)}
                      </ul>
                    )}
                    {nowHere && <TodayLine frac={(now - at) / (slotMinutes * 60_000)} label={formatTime(now, tz)} />}
                  </div>
                );
              })}
            </div>
          );
        })}
      </div>
      <DragGhost drag={drag} />
    </div>
  );
}

function TodayLine({ frac, label }: { frac: number; label: string }) {
  return (
    <div aria-hidden="true" title={`Now: ${label}`} className="pointer-events-none absolute inset-x-0 h-0.5 bg-red-600" style={{ top: `${Math.min(100, Math.max(0, frac * 100))}%` }}>
      <div className="absolute -top-1 -left-1 size-2.5 rounded-full bg-red-600" />
    </div>
  );
}

function Chip({ item, tz, compact, account, dragging, onPointerDown, onOpen }: {
  item: { post: Post; at: number };
  tz: string;
  compact: boolean;
  account: Integration | undefined;
  dragging: boolean;
  onPointerDown: (e: ReactPointerEvent<HTMLButtonElement>, post: Post) => void;
  onOpen: () => void;
}) {
  const { post, at } = item;
  const info = statusInfo[post.status] ?? statusInfo[Status.UNSPECIFIED];
  const text = firstWords(post.parts[0]?.text ?? "", 80) || (post.media.length ? `${post.media.length} file${post.media.length > 1 ? "s" : ""}` : "");
  const access = usePostAccess(post);
  const canMove = movable(post) && access.canMove;
  return (
    <button
      type="button"
      data-testid="post-chip"
      data-post-id={post.id}
      onPointerDown={(e) => canMove && onPointerDown(e, post)}
      onClick={(e) => {
        e.stopPropagation();
        onOpen();
      }}
      title={canMove ? "Open, or drag to another time" : "Open"}
      className={cn(
        "relative z-[1] flex w-full min-h-11 items-start gap-1.5 overflow-hidden rounded-md border-l-4 px-1.5 py-1 text-left text-xs leading-4 shadow-sm select-none [-webkit-touch-callout:none]",
        "focus-visible:outline-2 focus-visible:outline-offset-1 focus-visible:outline-sky-700",
        canMove ? "cursor-grab active:cursor-grabbing" : "cursor-pointer",
        info.chip,
        dragging && "opacity-40",
      )}
    >
      <Avatar account={account} size={compact ? 18 : 20} className="mt-px" />
      <span className={cn("min-w-0 flex-1", compact && "truncate")}>
        <span className="font-semibold">{formatTime(at, tz)}</span>
        <span className="sr-only">, {statusLabel(post.status)}{account ? `, @${account.username}` : ""}{post.thread ? `, thread of ${post.parts.length}` : ""}:</span>{" "}
        {compact ? text : <span className="line-clamp-2 break-words">{text}</span>}
      </span>
    </button>
  );
}

// ---- dragging chips with the mouse (or pen, or finger) ----

interface DragState {
  post: Post;
  chip: HTMLElement;
  startX: number;
  startY: number;
  dx: number;
  dy: number;
  active: boolean;
  // touch: a finger drags after a press and hold (a plain swipe scrolls).
  touch: boolean;
  hold?: number;
  ghost?: HTMLElement;
  over?: HTMLElement;
}

// holdMs is how long a finger rests on a chip before it picks it up.
const holdMs = 400;

function useChipDrag(region: RefObject<HTMLDivElement | null>, onDrop: (post: Post, slot: HTMLElement) => void) {
  const [draggingId, setDraggingId] = useState<string | null>(null);
  const onDropRef = useRef(onDrop);
  onDropRef.current = onDrop;

  // The handlers are made once, so the ones added to window are the ones removed.
  const api = useMemo(() => {
    let state: DragState | null = null;
    let droppedAt = 0;

    const slotAt = (x: number, y: number): HTMLElement | undefined =>
      (document.elementFromPoint(x, y)?.closest('[data-testid="calendar-slot"]') as HTMLElement | null) ?? undefined;

    const setOver = (s: DragState, el: HTMLElement | undefined) => {
      if (s.over === el) return;
      if (s.over) delete s.over.dataset.drop;
      if (el) el.dataset.drop = "true";
      s.over = el;
    };

    const end = (drop: boolean, x = 0, y = 0) => {
      const s = state;
      state = null;
      window.removeEventListener("pointermove", onMove);
      window.removeEventListener("pointerup", onUp);
      window.removeEventListener("pointercancel", onCancel);
      window.removeEventListener("keydown", onKey, true);
      window.removeEventListener("touchmove", onTouchMove);
      window.removeEventListener("contextmenu", onContextMenu, true);
      if (!s) return;
      window.clearTimeout(s.hold);
      setOver(s, undefined);
      s.ghost?.remove();
      setDraggingId(null);
      if (!s.active) return;
      droppedAt = Date.now();
      if (!drop) return;
      const target = slotAt(x, y);
      const from = s.chip.closest('[data-testid="calendar-slot"]');
      if (target && target !== from) onDropRef.current(s.post, target);
    };

    // activate picks the chip up: a ghost follows the pointer.
    const activate = (s: DragState, x: number, y: number) => {
      s.active = true;
      const rect = s.chip.getBoundingClientRect();
      s.dx = s.startX - rect.left;
      s.dy = s.startY - rect.top;
      const ghost = s.chip.cloneNode(true) as HTMLElement;
      ghost.removeAttribute("data-testid");
      ghost.setAttribute("aria-hidden", "true");
      ghost.tabIndex = -1;
      Object.assign(ghost.style, {
        position: "fixed", left: "0", top: "0", width: `${rect.width}px`, zIndex: "60", margin: "0",
        pointerEvents: "none", opacity: "0.9", boxShadow: "0 8px 24px rgb(0 0 0 / 0.25)",
        transform: `translate(${x - s.dx}px, ${y - s.dy}px)`,
      });
      document.body.appendChild(ghost);
      s.ghost = ghost;
      setDraggingId(s.post.id);
    };

    function onMove(e: PointerEvent) {
      const s = state;
      if (!s) return;
      if (!s.active) {
        const far = Math.hypot(e.clientX - s.startX, e.clientY - s.startY);
        if (s.touch) {
          // A finger that moves before the hold is up scrolls the page.
          if (far >= 8) end(false);
          return;
        }
        if (far < 5) return;
        activate(s, e.clientX, e.clientY);
      }
      e.preventDefault();
      if (s.ghost) s.ghost.style.transform = `translate(${e.clientX - s.dx}px, ${e.clientY - s.dy}px)`;
      setOver(s, slotAt(e.clientX, e.clientY));
      // Near the edge of the scrolling board, scroll it.
      const board = region.current;
      const r = board?.getBoundingClientRect();
      if (board && r) {
        if (e.clientY < r.top + 48) board.scrollTop -= 16;
        else if (e.clientY > r.bottom - 32) board.scrollTop += 16;
      }
    }
    function onUp(e: PointerEvent) {
      end(true, e.clientX, e.clientY);
    }
    function onCancel() {
      end(false);
    }
    // While a finger drags a chip, the page must not scroll under it.
    function onTouchMove(e: TouchEvent) {
      if (state?.active && e.cancelable) e.preventDefault();
    }
    // A long press would open the browser's menu instead.
    function onContextMenu(e: Event) {
      if (state) e.preventDefault();
    }
    function onKey(e: KeyboardEvent) {
      if (e.key === "Escape" && state?.active) {
        e.preventDefault();
        e.stopPropagation();
        end(false);
      }
    }

    return {
      cancel: () => end(false),
      // A click that ends a drag is not a click on the chip.
      justDropped: () => Date.now() - droppedAt < 400,
      onPointerDown(e: ReactPointerEvent<HTMLButtonElement>, post: Post) {
        if (e.button !== 0 || !movable(post) || state) return;
        const s: DragState = { post, chip: e.currentTarget, startX: e.clientX, startY: e.clientY, dx: 0, dy: 0, active: false, touch: e.pointerType === "touch" };
        state = s;
        if (s.touch) {
          s.hold = window.setTimeout(() => {
            if (state === s && !s.active) activate(s, s.startX, s.startY);
          }, holdMs);
          window.addEventListener("touchmove", onTouchMove, { passive: false });
          window.addEventListener("contextmenu", onContextMenu, true);
        }
        window.addEventListener("pointermove", onMove);
        window.addEventListener("pointerup", onUp);
        window.addEventListener("pointercancel", onCancel);
        window.addEventListener("keydown", onKey, true);
      },
    };
  }, [region]);

  useEffect(() => api.cancel, [api]);
  return { draggingId, justDropped: api.justDropped, onPointerDown: api.onPointerDown };
}

// DragGhost: nothing to render (the ghost is a clone on <body>); here so
// the board re-renders while a drag is on.
function DragGhost({ drag }: { drag: { draggingId: string | null } }) {
  return drag.draggingId ? <p className="sr-only" role="status">Moving a post. Release over a time to move it there, or press Escape.</p> : null;
}

// dropTime is when a post dropped on a cell is: a week slot keeps the
// minutes within its half hour, a month day keeps the time of day.
function dropTime(post: Post, slot: HTMLElement, tz: string): number | undefined {
  const cur = tsToMs(post.scheduledTime);
  if (slot.dataset.ms) {
    const start = Number(slot.dataset.ms);
    if (cur === undefined) return start;
    const w = wallTime(cur, tz);
    const within = ((w.mi % slotMinutes) * 60 + w.s) * 1000;
    return start + within;
  }
  const day = parseCivil(slot.dataset.day);
  if (!day) return undefined;
  if (cur === undefined) return zonedToInstant({ ...day, h: 9 }, tz);
  const w = wallTime(cur, tz);
  return zonedToInstant({ ...day, h: w.h, mi: w.mi, s: w.s }, tz);
}

function Legend() {
  const shown = [Status.PENDING_APPROVAL, Status.SCHEDULED, Status.PUBLISHING, Status.PUBLISHED, Status.FAILED, Status.UNCONFIRMED];
  return (
    <div className="mt-3 flex flex-wrap items-center gap-x-4 gap-y-1 text-sm text-slate-800">
      <span className="font-semibold">Colours:</span>
      {shown.map((s) => (
        <span key={s} className="inline-flex items-center gap-1.5">
          <span aria-hidden="true" className={cn("inline-block size-3 rounded-sm border-l-4", statusInfo[s].chip)} />
          {statusInfo[s].label}
        </span>
      ))}
      <span className="text-slate-700">Drag a scheduled post to move it (on a touch screen: press and hold, then drag), or open it and change its time.</span>
    </div>
  );
}

function Chevron({ dir }: { dir: "left" | "right" }) {
  return (
    <svg aria-hidden="true" viewBox="0 0 20 20" className="size-5" fill="none" stroke="currentColor" strokeWidth="2" strokeLinecap="round" strokeLinejoin="round">
      <path d={dir === "left" ? "M12 5l-5 5 5 5" : "M8 5l5 5-5 5"} />
    </svg>
  );
}

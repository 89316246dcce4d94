// The composer: one post or a thread, for one or several X accounts at
// once (one post per account), counted live as X counts, previewed as X
// shows it, then scheduled, published now or saved as a draft. It also
// edits an existing post (then the account is fixed and parts already on
// X stay as they are).
import { callUnaryMethod, useMutation, useQuery } from "@connectrpc/connect-query";
import { Code } from "@connectrpc/connect";
import { useQueryClient } from "@tanstack/react-query";
import { Link, useBlocker } from "@tanstack/react-router";
import { useEffect, useId, useMemo, useRef, useState, type FormEvent } from "react";
import { IntegrationService, Status as AccountStatus, type Integration } from "../gen/betterplan/integration/v1/integration_pb";
import type { Media } from "../gen/betterplan/media/v1/media_pb";
import { PostService, Status, type CreatePostRequest, type Post, type UpdatePostRequest } from "../gen/betterplan/post/v1/post_pb";
import { QueueService } from "../gen/betterplan/post/v1/queue_pb";
import { Frequency, SeriesService } from "../gen/betterplan/post/v1/series_pb";
import { codeOf, errorMessage, partErrors, transport } from "../lib/api";
import { clearComposer, lastAccounts, loadComposer, rememberAccounts, saveComposer } from "../lib/autosave";
import { afterChange } from "../lib/cache";
import { settleToastNow } from "../lib/live";
import { content, editable, maxParts, maxWeighted, splitIntoThread, statusLabel } from "../lib/posts";
import { useMe, useTimeZone } from "../lib/session";
import { defaultScheduleTime, formatDateTime, fromInputValue, inputValue, msToTs, tsToMs, zoneLabel } from "../lib/time";
import { partProblem } from "../lib/media";
import { approximateLength, useTwitterText } from "../lib/weighted";
import { cn } from "../lib/utils";
import { useConfirm } from "./ui/alert-dialog";
import { Button } from "./ui/button";
import { Alert } from "./ui/card";
import { DialogBody, DialogFooter, DialogHeader, DialogTitle } from "./ui/dialog";
import { Checkbox, Hint, Input, Label, Textarea } from "./ui/input";
import { toast } from "./ui/toast";
import { MediaAttach } from "./MediaAttach";
import { RepeatOptions, recurrence, varies, type Repeat } from "./RepeatOptions";
import { XPreview } from "./XPreview";
import { usePostAccess, useRole, useWorkspaceId } from "../lib/workspace";

interface Part {
  key: number;
  text: string;
  locked: boolean; // already on X
  media: Media[];
}

let nextKey = 0;
const part = (text: string, locked = false, media: Media[] = []): Part => ({ key: ++nextKey, text, locked, media });

// postMedia is the request's media for these parts (unset when none has any).
const postMedia = (ps: Part[]) =>
  ps.some((p) => p.media.length > 0) ? { parts: ps.map((p) => ({ mediaIds: p.media.map((m) => m.id) })) } : undefined;
const mediaKey = (ps: { media: Media[] }[]) => ps.map((p) => p.media.map((m) => m.id).join(",")).join("|");

type Action = "schedule" | "now" | "draft" | "save" | "text" | "queue" | "next" | "series";

export type ComposerProps =
  | { mode: "new"; at?: number; onDone: () => void; onCancel: () => void; requestClose: { current: (() => void) | null } }
  | { mode: "edit"; post: Post; onDone: () => void; onCancel: () => void; requestClose: { current: (() => void) | null } };

export function Composer(props: ComposerProps) {
  const me = useMe();
  const tz = useTimeZone();
  const qc = useQueryClient();
  const confirm = useConfirm();
  const tt = useTwitterText();
  const ids = useId();
  const workspaceId = useWorkspaceId();
  // A writer's time asks an editor for approval; editors schedule.
  const { canSchedule: scheduleHere } = useRole();
  const editAccess = usePostAccess(props.mode === "edit" ? props.post : undefined);
  const canSchedule = props.mode === "edit" ? editAccess.canSchedule : scheduleHere;
  const accountsQuery = useQuery(IntegrationService.method.listIntegrations, { workspaceId });
  const accounts = useMemo(() => accountsQuery.data?.integrations ?? [], [accountsQuery.data]);
  const editing = props.mode === "edit" ? props.post : undefined;

  // ---- state ----
  const [initial] = useState(() => {
    if (editing) {
      const sent = editing.parts.filter((p) => p.xPostId !== "").length;
      const sched = tsToMs(editing.scheduledTime);
      const files = (ids: string[]) => ids.map((id) => editing.media.find((m) => m.id === id)).filter((m): m is Media => m !== undefined);
      return {
        parts: editing.parts.map((p, i) => part(p.text, i < sent, files(p.mediaIds))),
        accountIds: [editing.integrationId],
        when: inputValue(sched !== undefined && sched > Date.now() ? sched : defaultScheduleTime(), tz),
        restored: false,
      };
    }
    const saved = loadComposer(me.id);
    const at = props.mode === "new" ? props.at : undefined;
    return {
      parts: saved ? saved.parts.map((t, i) => part(t, false, saved.media[i] ?? [])) : [part("")],
      accountIds: saved?.accountIds.length ? saved.accountIds : lastAccounts(me.id),
      when: at !== undefined ? inputValue(at, tz) : saved?.when || inputValue(defaultScheduleTime(), tz),
      restored: saved !== undefined,
    };
  });
  const [parts, setParts] = useState<Part[]>(initial.parts);
  const [chosen, setChosen] = useState<string[]>(initial.accountIds);
  const [when, setWhen] = useState(initial.when);
  const [restored, setRestored] = useState(initial.restored);
  const [version, setVersion] = useState(editing?.version ?? 0n);
  const [status, setStatus] = useState(editing?.status ?? Status.UNSPECIFIED);
  const [errors, setErrors] = useState<{ parts: Map<number, string>; general: string[]; when?: string }>({ parts: new Map(), general: [] });
  const [busy, setBusy] = useState<Action | null>(null);
  const [gone, setGone] = useState(false); // the edited post can no longer be edited
  const [note, setNote] = useState(""); // what the last split did
  const [repeat, setRepeat] = useState<Repeat | null>(null);
  const [evergreen, setEvergreen] = useState(0); // days; 0: not evergreen
  const summaryRef = useRef<HTMLDivElement>(null);
  const textRefs = useRef(new Map<number, HTMLTextAreaElement>());

  // The first part to write in has the focus when the composer opens.
  useEffect(() => {
    const first = initial.parts.find((p) => !p.locked) ?? initial.parts[0];
    if (first) textRefs.current.get(first.key)?.focus();
  }, [initial]);

  // Default accounts: the last ones used that still exist, else the first active one.
  useEffect(() => {
    if (editing || accounts.length === 0) return;
    setChosen((cur) => {
      const kept = cur.filter((id) => accounts.some((a) => a.id === id));
      if (kept.length) return kept.length === cur.length ? cur : kept;
      const first = accounts.find((a) => a.status === AccountStatus.ACTIVE) ?? accounts[0];
      return [first.id];
    });
  }, [accounts, editing]);

  const texts = parts.map((p) => p.text);
  const thread = parts.length > 1;
  const weigh = (t: string) => (tt ? tt.weightedLength(t) : approximateLength(t));
  const mediaChanged = mediaKey(parts) !== mediaKey(initial.parts);
  const dirty = editing
    ? texts.length !== editing.parts.length || texts.some((t, i) => t !== editing.parts[i]?.text) || when !== initial.when || mediaChanged
    : texts.some((t) => t.trim() !== "") || parts.some((p) => p.media.length > 0);
  // Parts with files still uploading (by key): nothing is sent meanwhile.
  const [uploading, setUploading] = useState<ReadonlySet<number>>(new Set());
  const busyChange = useMemo(() => {
    const cache = new Map<number, (b: boolean) => void>();
    return (key: number) => {
      let f = cache.get(key);
      if (!f) {
        f = (b: boolean) => setUploading((s) => {
          if (s.has(key) === b) return s;
          const n = new Set(s);
          if (b) n.add(key);
          else n.delete(key);
          return n;
        });
        cache.set(key, f);
      }
      return f;
    };
  }, []);
  const dirtyRef = useRef(dirty);
  dirtyRef.current = dirty && busy === null;

  // ---- autosave (new posts) ----
  useEffect(() => {
    if (editing) return;
    const t = setTimeout(() => saveComposer(me.id, { parts: texts, media: parts.map((p) => p.media), accountIds: chosen, when }), 300);
    return () => clearTimeout(t);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [texts.join("\u0000"), mediaKey(parts), chosen.join(","), when, editing, me.id]);

  // ---- leaving with unsaved text ----
  const askDiscard = () =>
    confirm({
      title: editing ? "Discard your changes?" : "Discard this post?",
      description: <p>{editing ? "Your changes to this post are not saved." : "What you wrote is not saved to BetterPlan, and is removed from this device."}</p>,
      confirmLabel: "Discard",
      cancelLabel: "Keep editing",
      danger: true,
    });
  const close = async () => {
    if (dirtyRef.current && !(await askDiscard())) return;
    if (!editing) clearComposer(me.id);
    props.onCancel();
  };
  props.requestClose.current = () => void close();
  useBlocker({
    shouldBlockFn: async () => {
      if (!dirtyRef.current) return false;
      const discard = await askDiscard();
      if (discard && !editing) clearComposer(me.id);
      return !discard;
    },
    enableBeforeUnload: () => dirtyRef.current && !!editing,
  });

  // ---- parts ----
  const update = (key: number, text: string) => setParts((ps) => ps.map((p) => (p.key === key ? { ...p, text } : p)));
  const setMedia = (key: number, media: Media[]) => setParts((ps) => ps.map((p) => (p.key === key ? { ...p, media } : p)));
  const focusPart = (key: number | undefined) => {
    if (key === undefined) return;
    requestAnimationFrame(() => textRefs.current.get(key)?.focus());
  };
  const add = () => {
    const p = part("");
    setParts((ps) => [...ps, p]);
    focusPart(p.key);
  };
  const remove = (i: number) => {
    const before = parts[i - 1] ?? parts[i + 1];
    setParts((ps) => ps.filter((_, j) => j !== i));
    focusPart(before?.key);
  };
  const move = (i: number, d: -1 | 1) =>
    setParts((ps) => {
      const j = i + d;
      if (j < 0 || j >= ps.length || ps[i].locked || ps[j].locked) return ps;
      const out = ps.slice();
      [out[i], out[j]] = [out[j], out[i]];
      return out;
    });
  const split = (i: number) => {
    const pieces = splitIntoThread(parts[i].text, weigh);
    if (parts.length - 1 + pieces.length > maxParts) {
      setErrors((e) => ({ ...e, general: [`Split, this would be a thread of ${parts.length - 1 + pieces.length} parts; X takes at most ${maxParts}. Shorten the text first.`] }));
      return;
    }
    // The files stay with the first piece.
    const made = pieces.map((t, j) => part(t, false, j === 0 ? parts[i].media : []));
    setParts((ps) => [...ps.slice(0, i), ...made, ...ps.slice(i + 1)]);
    focusPart(made[0]?.key);
    setNote(`Split into ${pieces.length} parts at sentence ends, each within ${maxWeighted}.`);
  };

  // ---- checks before sending ----
  function check(action: Action): { parts: Map<number, string>; general: string[]; when?: string; at?: number } {
    const out = { parts: new Map<number, string>(), general: [] as string[], when: undefined as string | undefined, at: undefined as number | undefined };
    const name = (i: number) => (thread ? `Part ${i + 1}` : "The post");
    parts.forEach((p, i) => {
      if (p.locked) return;
      const rule = partProblem(p.media.map((m) => m.kind));
      if (rule) {
        out.parts.set(i, `${name(i)}: ${rule}`);
      } else if (p.text.trim() === "" && p.media.length > 0) {
        // Files alone make a post.
      } else if (p.text.trim() === "") {
        out.parts.set(i, p.text === "" ? `${name(i)} is empty.` : `${name(i)} is only spaces; X refuses an empty post.`);
      } else if (tt && weigh(p.text) > maxWeighted) {
        out.parts.set(i, `${name(i)} is too long: ${weigh(p.text)} of ${maxWeighted}. Shorten it or split it into a thread.`);
      }
    });
    if (parts.length > maxParts) out.general.push(`A thread has at most ${maxParts} parts; this one has ${parts.length}.`);
    if (!editing && chosen.length === 0) out.general.push("Choose at least one X account to post with.");
    if (uploading.size > 0) out.general.push("Files are still uploading: wait for them to finish (or cancel them).");
    if ((action === "series" || evergreen > 0) && !varies(texts)) {
      out.general.push("X refuses the same text twice: put {date} or {n} in the text so each repeat differs.");
    }
    if ((action === "series" || evergreen > 0) && thread) out.general.push("Only a single post can repeat; this is a thread.");
    if (action === "now" && evergreen > 0) out.general.push("An evergreen post goes into the queue or at a time: schedule it, or turn evergreen off to publish now.");
    if (action === "series" && repeat?.freq === Frequency.WEEKLY && repeat.weekdays.length === 0) out.general.push("Choose the days of the week to post on.");
    if (action === "schedule") {
      const at = fromInputValue(when, tz);
      if (at === undefined) out.when = "Choose the date and time to publish at.";
      else if (at < Date.now()) out.when = "That time has already passed. Choose a time in the future, or publish now.";
      else if (at > Date.now() + 365 * 86400_000) out.when = "That is more than a year ahead; BetterPlan schedules up to 365 days ahead.";
      out.at = at;
    }
    return out;
  }

  function showErrors(e: { parts: Map<number, string>; general: string[]; when?: string }) {
    setErrors(e);
    requestAnimationFrame(() => {
      const first = [...e.parts.keys()].sort((a, b) => a - b)[0];
      if (first !== undefined) textRefs.current.get(parts[first]?.key)?.focus();
      else summaryRef.current?.focus();
    });
  }

  // ---- sending ----
  const create = useMutation(PostService.method.createPost);
  const shareNext = useMutation(QueueService.method.shareNext);
  const setEvergreenDays = useMutation(QueueService.method.setEvergreen);
  const addToQueue = useMutation(QueueService.method.addToQueue);
  const createSeries = useMutation(SeriesService.method.createSeries);
  const updatePost = useMutation(PostService.method.updatePost);
  const zone = zoneLabel(tz);

  async function send(action: Action) {
    const c = check(action);
    if (c.parts.size || c.general.length || c.when) {
      showErrors(c);
      return;
    }
    if (action === "now") {
      const names = chosen.map((id) => "@" + (accounts.find((a) => a.id === id)?.username ?? "?")).join(", ");
      const ok = await confirm({
        title: "Publish now?",
        description: <p>This sends the {thread ? `thread of ${parts.length} parts` : "post"} to X right away as {names}.</p>,
        confirmLabel: "Publish now",
      });
      if (!ok) return;
    }
    setErrors({ parts: new Map(), general: [] });
    setBusy(action);
    try {
      if (editing) await saveEdit(action, c.at);
      else await createAll(action, c.at);
    } finally {
      setBusy(null);
    }
  }

  async function createAll(action: Action, at: number | undefined) {
    let w: CreatePostRequest["when"];
    if (action === "schedule" && at !== undefined) w = { case: "scheduledTime", value: msToTs(at) };
    else if (action === "now") w = { case: "publishNow", value: true };
    else if (action === "queue") w = { case: "addToQueue", value: true };
    else w = { case: "draft", value: true }; // "next": a draft that then goes first in the queue
    const done: Integration[] = [];
    const created: Post[] = [];
    const failed: { account: Integration | undefined; error: unknown }[] = [];
    for (const id of chosen) {
      const account = accounts.find((a) => a.id === id);
      try {
        if (action === "series" && repeat) {
          const res = await createSeries.mutateAsync({ integrationId: id, texts, recurrence: recurrence(repeat, tz) });
          for (const p of res.coming) afterChange(qc, p);
          created.push(...res.coming.slice(0, 1));
          if (account) done.push(account);
          continue;
        }
        // An evergreen post is made a draft first, so its {date}/{n} is
        // filled in before it can be due.
        const res = await create.mutateAsync({ integrationId: id, content: content(texts), when: evergreen > 0 ? { case: "draft", value: true } : w, media: postMedia(parts) });
        let post = res.post;
        if (evergreen > 0 && post) {
          post = (await setEvergreenDays.mutateAsync({ postId: post.id, everyDays: evergreen, texts })).post ?? post;
          if (action === "queue") post = (await addToQueue.mutateAsync({ postId: post.id })).post ?? post;
          if (action === "schedule" && at !== undefined) post = (await updatePost.mutateAsync({ id: post.id, version: post.version, when: { case: "scheduledTime", value: msToTs(at) } })).post ?? post;
        }
        if (action === "next" && post) {
          try {
            post = (await shareNext.mutateAsync({ postId: post.id })).post ?? post;
          } catch (e) {
            afterChange(qc, post);
            throw e;
          }
        }
        afterChange(qc, post);
        if (post) created.push(post);
        if (account) done.push(account);
      } catch (error) {
        failed.push({ account, error });
      }
    }
    const handles = done.map((a) => "@" + a.username).join(", ");
    if (failed.length === 0) {
      clearComposer(me.id);
      rememberAccounts(me.id, chosen);
      const queuedAt = created.length === 1 ? tsToMs(created[0].scheduledTime) : undefined;
      const title = action === "schedule"
        ? (canSchedule ? `Scheduled for ${formatDateTime(at, tz)}` : `Submitted for approval for ${formatDateTime(at, tz)}`)
        : action === "series"
          ? `Repeating${queuedAt !== undefined ? `: first on ${formatDateTime(queuedAt, tz)}` : ""}`
          : action === "queue" || action === "next"
          ? `${action === "next" ? "First in the queue" : "Added to the queue"}${queuedAt !== undefined ? `: ${formatDateTime(queuedAt, tz)}` : ""}`
          : action === "now" ? "Publishing now" : "Saved as a draft";
      // One post publishing now: its toast says how it ended (see live.ts).
      toast({ id: created.length === 1 ? `post-${created[0].id}` : undefined, tone: action === "now" ? "info" : "success", title, description: handles ? `Posting as ${handles}.` : undefined });
      if (action === "now" && created.length === 1) settleToastNow(created[0]);
      dirtyRef.current = false;
      props.onDone();
      return;
    }
    // Keep the text and the accounts that failed, and say why for each.
    setChosen(failed.map((f) => f.account?.id ?? "").filter(Boolean));
    const perPart = partErrors(failed[0].error, thread);
    const general = failed.map((f) => `${f.account ? "@" + f.account.username : "An account"}: ${errorMessage(f.error)}`);
    if (done.length) general.unshift(`Done for ${handles}. Not done for the account${failed.length > 1 ? "s" : ""} below; the text is still here.`);
    showErrors({ parts: perPart, general });
  }

  async function saveEdit(action: Action, at: number | undefined) {
    if (!editing) return;
    const original = editing.parts.map((p) => p.text);
    const changed = texts.length !== original.length || texts.some((t, i) => t !== original[i]);
    let w: UpdatePostRequest["when"] = { case: undefined };
    if (action === "schedule" && at !== undefined && ((status !== Status.SCHEDULED && status !== Status.PENDING_APPROVAL) || when !== initial.when)) {
      w = { case: "scheduledTime", value: msToTs(at) };
    } else if (action === "draft" && status !== Status.DRAFT) {
      w = { case: "draft", value: true };
    }
    if (!changed && !mediaChanged && w.case === undefined) {
      dirtyRef.current = false;
      props.onDone();
      return;
    }
    try {
      const res = await updatePost.mutateAsync({
        id: editing.id, version, content: changed ? content(texts) : { case: undefined }, when: w,
        // Set: it replaces the post's media (an empty one removes them all).
        media: mediaChanged ? (postMedia(parts) ?? { parts: [] }) : undefined,
      });
      afterChange(qc, res.post);
      toast({ id: `post-${editing.id}`, title: w.case === "scheduledTime" ? (canSchedule ? `Scheduled for ${formatDateTime(at, tz)}` : `Submitted for approval for ${formatDateTime(at, tz)}`) : w.case === "draft" ? "Moved to drafts" : "Saved" });
      dirtyRef.current = false;
      props.onDone();
    } catch (e) {
      if (codeOf(e) !== Code.Aborted) {
        showErrors({ parts: partErrors(e, thread), general: [errorMessage(e)] });
        return;
      }
      // Someone (another tab, the publisher) changed the post meanwhile.
      afterChange(qc, undefined);
      try {
        const fresh = (await callUnaryMethod(transport, PostService.method.getPost, { id: editing.id })).post;
        if (fresh && editable(fresh)) {
          setVersion(fresh.version);
          setStatus(fresh.status);
          showErrors({
            parts: new Map(),
            general: [`This post changed while you were editing it (it is now ${statusLabel(fresh.status).toLowerCase()}). Your edits are still here: save again to apply them to the new version, or cancel.`],
          });
        } else {
          setGone(true);
          showErrors({
            parts: new Map(),
            general: [`This post changed while you were editing it and can no longer be edited${fresh ? ` (it is now ${statusLabel(fresh.status).toLowerCase()})` : " (it was deleted)"}.`],
          });
        }
      } catch (e2) {
        showErrors({ parts: new Map(), general: ["This post changed while you were editing it, and it could not be read again: " + errorMessage(e2)] });
      }
    }
  }

  const onSubmit = (ev: FormEvent) => {
    ev.preventDefault();
    void send("schedule");
  };

  const previewAccount = accounts.find((a) => a.id === (editing ? editing.integrationId : chosen[0]));
  const summary = errors.general;
  const title = editing ? (thread ? "Edit thread" : "Edit post") : "New post";
  const noAccounts = !editing && accountsQuery.isSuccess && accounts.length === 0;

  return (
    <form onSubmit={onSubmit} noValidate className="flex min-h-0 flex-1 flex-col">
      <DialogHeader onClose={() => void close()}>
        <DialogTitle>{title}</DialogTitle>
        <p className="mt-1 text-sm text-slate-700">
          {editing
            ? `${statusLabel(status)} post${previewAccount ? ` for @${previewAccount.username}` : ""}.`
            : "One post, or a thread of up to 25 parts. Each account you choose gets its own copy."}
        </p>
      </DialogHeader>
      <DialogBody>
        <div className="grid gap-6 lg:grid-cols-[minmax(0,1fr)_minmax(0,22rem)]">
          <div className="min-w-0 space-y-5">
            {restored && (
              <Alert tone="info" className="flex flex-wrap items-center justify-between gap-2">
                <span>Your unsent text from last time is back.</span>
                <Button
                  size="sm"
                  variant="secondary"
                  onClick={() => {
                    clearComposer(me.id);
                    const p = part("");
                    setParts([p]);
                    setRestored(false);
                    focusPart(p.key);
                  }}
                >
                  Start over
                </Button>
              </Alert>
            )}

            {!editing && (
              <fieldset>
                <legend className="text-sm font-semibold text-slate-900">X accounts</legend>
                {accountsQuery.isPending && <p className="mt-2 text-sm text-slate-700">Loading your X accounts…</p>}
                {accountsQuery.isError && <Alert className="mt-2">Could not load your X accounts: {errorMessage(accountsQuery.error)}</Alert>}
                {noAccounts && (
                  <Alert tone="warning" className="mt-2">
                    Connect an X account to post.{" "}
                    <Link to="/integrations" className="font-semibold underline" onClick={() => props.onCancel()}>
                      Connect X
                    </Link>
                  </Alert>
                )}
                <div className="mt-1 flex flex-wrap gap-x-4">
                  {accounts.map((a) => (
                    <label key={a.id} className="flex min-h-11 cursor-pointer items-center gap-2 text-sm text-slate-900">
                      <Checkbox
                        checked={chosen.includes(a.id)}
                        onChange={(e) => setChosen((c) => (e.target.checked ? [...c, a.id] : c.filter((x) => x !== a.id)))}
                      />
                      <span>
                        @{a.username}
                        {a.displayName ? <span className="text-slate-700"> ({a.displayName})</span> : null}
                        {a.status === AccountStatus.NEEDS_RECONNECT && <span className="ml-1 font-semibold text-amber-900">needs reconnecting</span>}
                      </span>
                    </label>
                  ))}
                </div>
              </fieldset>
            )}

            <ol className="space-y-4">
              {parts.map((p, i) => {
                const id = `${ids}-part-${p.key}`;
                const n = weigh(p.text);
                const over = n > maxWeighted;
                const blank = p.text !== "" && p.text.trim() === "" && p.media.length === 0;
                const problem = errors.parts.get(i) ?? (blank ? `${thread ? `Part ${i + 1}` : "The post"} is only spaces; X refuses an empty post.` : over ? `${n - maxWeighted} over X's limit of ${maxWeighted}.` : "");
                const label = thread ? `Part ${i + 1}` : "Post";
                return (
                  <li key={p.key} className={cn("rounded-lg border p-3", problem ? "border-red-300 bg-red-50/40" : "border-slate-200")}>
                    <div className="mb-1 flex flex-wrap items-center justify-between gap-2">
                      <Label htmlFor={id}>
                        {label}
                        {p.locked && <span className="font-normal text-slate-700"> (already on X; cannot change)</span>}
                      </Label>
                      {thread && !p.locked && (
                        <div className="flex gap-1">
                          <IconButton label={`Move part ${i + 1} up`} disabled={i === 0 || parts[i - 1].locked} onClick={() => move(i, -1)} path="M10 15V5M5 10l5-5 5 5" />
                          <IconButton label={`Move part ${i + 1} down`} disabled={i === parts.length - 1} onClick={() => move(i, 1)} path="M10 5v10M5 10l5 5 5-5" />
                          <IconButton label={`Remove part ${i + 1}`} onClick={() => remove(i)} path="M5 5l10 10M15 5L5 15" />
                        </div>
                      )}
                    </div>
                    <Textarea
                      id={id}
                      ref={(el) => {
                        if (el) textRefs.current.set(p.key, el);
                        else textRefs.current.delete(p.key);
                      }}
                      rows={thread ? 3 : 5}
                      value={p.text}
                      readOnly={p.locked}
                      placeholder={i === 0 ? "What’s happening?" : "Add another part"}
                      aria-invalid={problem ? true : undefined}
                      aria-describedby={`${id}-count${problem ? ` ${id}-problem` : ""}`}
                      onChange={(e) => {
                        update(p.key, e.target.value);
                        if (errors.parts.has(i)) setErrors((er) => ({ ...er, parts: new Map([...er.parts].filter(([k]) => k !== i)) }));
                      }}
                    />
                    <div className="mt-1 flex flex-wrap items-start justify-between gap-2">
                      <p id={`${id}-problem`} className="min-h-5 text-sm font-medium text-red-800" aria-live="polite">
                        {problem}
                      </p>
                      <span
                        id={`${id}-count`}
                        data-testid="part-count"
                        title="Counted as X counts: links count 23, emoji and many CJK characters 2"
                        className={cn("ml-auto text-sm tabular-nums", over ? "font-bold text-red-800" : n > maxWeighted - 20 ? "font-semibold text-amber-900" : "text-slate-700")}
                      >
                        <span className="sr-only">{thread ? `Part ${i + 1} of ${parts.length}` : "Post"}: </span>
                        {tt ? "" : "≈"}
                        {n}/{maxWeighted}
                        <span className="sr-only"> characters as X counts them</span>
                      </span>
                    </div>
                    {over && !p.locked && (
                      <Button size="sm" variant="secondary" className="mt-2" onClick={() => split(i)}>
                        Split into a thread
                      </Button>
                    )}
                    <MediaAttach
                      workspaceId={editing?.workspaceId || workspaceId}
                      label={thread ? `part ${i + 1}` : "the post"}
                      media={p.media}
                      locked={p.locked}
                      onChange={(m) => {
                        setMedia(p.key, m);
                        if (errors.parts.has(i)) setErrors((er) => ({ ...er, parts: new Map([...er.parts].filter(([k]) => k !== i)) }));
                      }}
                      onBusyChange={busyChange(p.key)}
                    />
                  </li>
                );
              })}
            </ol>
            <p role="status" className="text-sm text-slate-800 empty:hidden">{note}</p>
            <div className="flex flex-wrap items-center gap-3">
              <Button variant="secondary" onClick={add} disabled={parts.length >= maxParts}>
                <span aria-hidden="true">+</span> Add to thread
              </Button>
              <span className="text-sm text-slate-700">{thread ? `${parts.length} parts; each replies to the one before.` : "Add a part to make a thread."}</span>
            </div>

            <div>
              <Label htmlFor={`${ids}-when`}>Publish at</Label>
              <Input
                id={`${ids}-when`}
                type="datetime-local"
                step={60}
                value={when}
                onChange={(e) => {
                  setWhen(e.target.value);
                  if (errors.when) setErrors((er) => ({ ...er, when: undefined }));
                }}
                aria-invalid={errors.when ? true : undefined}
                aria-describedby={`${ids}-when-hint${errors.when ? ` ${ids}-when-error` : ""}`}
                className="mt-1 max-w-xs"
              />
              {errors.when && (
                <p id={`${ids}-when-error`} className="mt-1 text-sm font-medium text-red-800">
                  {errors.when}
                </p>
              )}
              <Hint id={`${ids}-when-hint`}>
                In your time zone, {zone}.{!canSchedule && " As a writer, you ask for this time: an editor approves the post (or sends it back) before it is scheduled."}
              </Hint>
            </div>

            {!editing && canSchedule && <RepeatOptions repeat={repeat} setRepeat={setRepeat} evergreen={evergreen} setEvergreen={setEvergreen} zone={tz} />}

            {summary.length > 0 && (
              <div ref={summaryRef} tabIndex={-1} role="alert" className="rounded-lg border border-red-300 bg-red-50 px-4 py-3 text-sm text-red-900">
                <ul className="list-disc space-y-1 pl-4">
                  {summary.map((m, i) => (
                    <li key={i}>{m}</li>
                  ))}
                </ul>
              </div>
            )}
          </div>
          <div className="min-w-0 lg:sticky lg:top-0 lg:self-start">
            <XPreview account={previewAccount} parts={texts} media={parts.map((p) => p.media)} tt={tt} headingId={`${ids}-preview`} />
          </div>
        </div>
      </DialogBody>
      <DialogFooter>
        <Button variant="ghost" onClick={() => void close()} className="mr-auto">
          Cancel
        </Button>
        {editing ? (
          <>
            {status === Status.FAILED && (
              <Button variant="secondary" disabled={busy !== null || gone} onClick={() => void send("text")}>
                {busy === "text" ? "Saving…" : "Save text only"}
              </Button>
            )}
            <Button variant="secondary" disabled={busy !== null || gone} onClick={() => void send("draft")}>
              {busy === "draft" ? "Saving…" : status === Status.DRAFT ? "Save draft" : "Move to drafts"}
            </Button>
            <Button type="submit" disabled={busy !== null || gone}>
              {busy === "schedule" ? "Saving…" : status === Status.SCHEDULED || (status === Status.PENDING_APPROVAL && !canSchedule) ? "Save" : canSchedule ? "Schedule" : "Submit for approval"}
            </Button>
          </>
        ) : (
          <>
            <Button variant="secondary" disabled={busy !== null || noAccounts} onClick={() => void send("draft")}>
              {busy === "draft" ? "Saving…" : "Save draft"}
            </Button>
            {canSchedule && (
              <Button variant="secondary" disabled={busy !== null || noAccounts} onClick={() => void send("now")}>
                {busy === "now" ? "Publishing…" : "Publish now"}
              </Button>
            )}
            {canSchedule && (
              <Button variant="secondary" disabled={busy !== null || noAccounts} onClick={() => void send("next")} title="The first time of the account's queue; the queued posts move down one">
                {busy === "next" ? "Adding…" : "Share next"}
              </Button>
            )}
            {canSchedule && (
              <Button variant="secondary" disabled={busy !== null || noAccounts} onClick={() => void send("queue")} title="The next free time of the account's posting schedule">
                {busy === "queue" ? "Adding…" : "Add to queue"}
              </Button>
            )}
            {repeat ? (
              <Button disabled={busy !== null || noAccounts} onClick={() => void send("series")}>
                {busy === "series" ? "Starting…" : "Start repeating"}
              </Button>
            ) : (
              <Button type="submit" disabled={busy !== null || noAccounts}>
                {busy === "schedule" ? (canSchedule ? "Scheduling…" : "Submitting…") : canSchedule ? "Schedule" : "Submit for approval"}
              </Button>
            )}
          </>
        )}
      </DialogFooter>
    </form>
  );
}

function IconButton({ label, path, ...props }: { label: string; path: string; disabled?: boolean; onClick: () => void }) {
  return (
    <Button variant="ghost" size="icon" aria-label={label} title={label} {...props}>
      <svg aria-hidden="true" viewBox="0 0 20 20" className="size-5" fill="none" stroke="currentColor" strokeWidth="2" strokeLinecap="round" strokeLinejoin="round">
        <path d={path} />
      </svg>
    </Button>
  );
}

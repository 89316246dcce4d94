// Live updates: one WatchPosts stream (a Connect server stream over fetch)
// while signed in. Each event updates the cached posts; `ready` (the first
// message, and again after the server may have missed events) refetches
// them. A dropped stream is reopened with backoff; nothing polls.
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import type { QueryClient } from "@tanstack/react-query";
import { useEffect, useSyncExternalStore } from "react";
import { hasToast, toast } from "../components/ui/toast";
import { PostService, Status, type Post } from "../gen/betterplan/post/v1/post_pb";
import { transport } from "./api";
import { patchPost, refreshAllPosts, refreshLists, removePost } from "./cache";

export type LiveState = "connecting" | "live" | "reconnecting" | "off";

let state: LiveState = "connecting";
const listeners = new Set<() => void>();

function setState(s: LiveState): void {
  if (s === state) return;
  state = s;
  for (const l of listeners) l();
}

export function useLiveState(): LiveState {
  return useSyncExternalStore(
    (l) => {
      listeners.add(l);
      return () => listeners.delete(l);
    },
    () => state,
  );
}

// A stream that says nothing for this long is dead (heartbeats come every 20 s).
const silenceMs = 45_000;
const maxBackoffMs = 30_000;

export function watchPosts(qc: QueryClient, workspaceId: string): () => void {
  const client = createClient(PostService, transport);
  let stopped = false;
  let current: AbortController | undefined;
  let wake: (() => void) | undefined;
  let listsTimer: ReturnType<typeof setTimeout> | undefined;

  // Many events at once (a batch published together) refetch the lists once.
  const refreshSoon = () => {
    clearTimeout(listsTimer);
    listsTimer = setTimeout(() => void refreshLists(qc), 300);
  };

  const sleep = (ms: number) => new Promise<void>((resolve) => {
    const t = setTimeout(resolve, ms);
    wake = () => {
      clearTimeout(t);
      resolve();
    };
  });

  async function run(): Promise<void> {
    let failures = 0;
    while (!stopped) {
      const ctrl = new AbortController();
      current = ctrl;
      let silence: ReturnType<typeof setTimeout> | undefined;
      const alive = () => {
        clearTimeout(silence);
        silence = setTimeout(() => ctrl.abort(), silenceMs);
      };
      alive();
      try {
        for await (const res of client.watchPosts({ workspaceId }, { signal: ctrl.signal })) {
          alive();
          const ev = res.event;
          switch (ev.case) {
            case "ready":
              failures = 0;
              setState("live");
              // What is on screen was read before the stream was live (or
              // events were missed): read it again.
              void refreshAllPosts(qc);
              break;
            case "post":
              patchPost(qc, ev.value);
              settleToast(ev.value);
              refreshSoon();
              break;
            case "deletedPostId":
              removePost(qc, ev.value);
              refreshSoon();
              break;
            default:
              break; // heartbeat
          }
        }
      } catch (e) {
        if (stopped) break;
        const code = ConnectError.from(e).code;
        if (code === Code.Unauthenticated) break; // signed out: the app goes to sign in
        if (code === Code.Unimplemented) {
          setState("off"); // an api without WatchPosts
          return;
        }
      } finally {
        clearTimeout(silence);
      }
      if (stopped) break;
      setState("reconnecting");
      failures++;
      const base = Math.min(maxBackoffMs, 1000 * 2 ** Math.min(failures - 1, 5));
      await sleep(base / 2 + Math.random() * base / 2);
    }
  }

  // Coming back online or to the tab: reconnect now rather than after the backoff.
  const nudge = () => wake?.();
  window.addEventListener("online", nudge);
  document.addEventListener("visibilitychange", nudge);
  void run();
  return () => {
    stopped = true;
    clearTimeout(listsTimer);
    current?.abort();
    wake?.();
    window.removeEventListener("online", nudge);
    document.removeEventListener("visibilitychange", nudge);
    setState("connecting");
  };
}

// useWatchPosts keeps the current workspace's posts live (a new stream
// when the workspace changes).
export function useWatchPosts(qc: QueryClient, workspaceId: string): void {
  useEffect(() => watchPosts(qc, workspaceId), [qc, workspaceId]);
}

// The latest posts the stream reported, for a toast created after the
// event about its post arrived.
const recent = new Map<string, Post>();

// settleToast replaces a toast about a post on its way to X ("Publishing
// now") with how it ended, so stale news does not stay up.
function settleToast(p: Post): void {
  recent.set(p.id, p);
  if (recent.size > 100) recent.delete(recent.keys().next().value!);
  const id = `post-${p.id}`;
  if (!hasToast(id)) return;
  if (p.status === Status.PUBLISHED) toast({ id, title: "Published on X" });
  else if (p.status === Status.FAILED) toast({ id, tone: "error", title: "The post failed", description: p.lastError?.message || "See the post for X's words." });
  else if (p.status === Status.UNCONFIRMED) toast({ id, tone: "error", title: "Not sure the post is on X", description: "See the post for what to check." });
}

// settleToastNow: a toast about this post (as of version) was just shown;
// if the stream already said how the post ended since, say that instead.
export function settleToastNow(post: Post | undefined): void {
  const p = post && recent.get(post.id);
  if (p && p.version > post.version) settleToast(p);
}

// One post, opened from the calendar or the list: what it is, what
// happened to it, and what can be done (edit, move, publish, retry, delete).
import { useQuery } from "@connectrpc/connect-query";
import { useEffect, useId, useState, type FormEvent } from "react";
import { IntegrationService } from "../gen/betterplan/integration/v1/integration_pb";
import { ActivityKind, PostService, type Post } from "../gen/betterplan/post/v1/post_pb";
import { errorMessage } from "../lib/api";
import { movable } from "../lib/posts";
import { useReschedule } from "../lib/reschedule";
import { useTimeZone } from "../lib/session";
import { fromInputValue, inputValue, tsToMs, zoneLabel } from "../lib/time";
import { usePostAccess } from "../lib/workspace";
import { Avatar } from "./Avatar";
import { RelativeTime } from "./RelativeTime";
import { Composer } from "./Composer";

export { Composer };
import { PostActions, PostErrorView, PostFacts, PostParts, RejectionView } from "./PostBits";
import { StatusBadge } from "./StatusBadge";
import { Button } from "./ui/button";
import { Alert } from "./ui/card";
import { DialogBody, DialogHeader, DialogTitle, useFocusWhenReady } from "./ui/dialog";
import { Hint, Input, Label } from "./ui/input";

export function PostDialogBody({ id, edit, setEdit, onClose, requestClose }: {
  id: string;
  edit: boolean;
  setEdit: (v: boolean) => void;
  onClose: () => void;
  requestClose: { current: (() => void) | null };
}) {
  const q = useQuery(PostService.method.getPost, { id });
  // The post's own workspace (a link may open a post of another one).
  const accounts = useQuery(IntegrationService.method.listIntegrations, { workspaceId: q.data?.post?.workspaceId ?? "" }, { enabled: !!q.data?.post });
  const post = q.data?.post;
  const account = accounts.data?.integrations.find((a) => a.id === post?.integrationId);
  useFocusWhenReady(post !== undefined && !edit);
  const access = usePostAccess(post);

  if (post && edit) {
    return <Composer mode="edit" post={post} onDone={() => setEdit(false)} onCancel={() => setEdit(false)} requestClose={requestClose} />;
  }
  requestClose.current = null;
  return (
    <>
      <DialogHeader>
        <DialogTitle>{post?.thread ? `Thread of ${post.parts.length}` : "Post"}</DialogTitle>
        {post && (
          <div className="mt-2 flex flex-wrap items-center gap-2 text-sm text-slate-800">
            <StatusBadge status={post.status} />
            <Avatar account={account} size={24} />
            <span>{account ? `@${account.username}` : post.integrationId ? "" : "disconnected X account"}</span>
          </div>
        )}
      </DialogHeader>
      <DialogBody className="space-y-4">
        {q.isPending && <p className="text-slate-700">Loading the post…</p>}
        {q.isError && <Alert role="alert">Could not load the post: {errorMessage(q.error)}</Alert>}
        {post && (
          <>
            <PostFacts post={post} />
            <PostParts post={post} />
            <PostErrorView post={post} />
            <RejectionView post={post} />
            {movable(post) && access.canMove && <MoveForm key={`${post.id}-${post.version}`} postId={post.id} />}
            <PostActions post={post} account={account} onEdit={() => setEdit(true)} onDeleted={onClose} />
            <ActivityList post={post} />
          </>
        )}
      </DialogBody>
    </>
  );
}

// MoveForm moves the post with the keyboard (the calendar's drag, without a mouse).
function MoveForm({ postId }: { postId: string }) {
  const q = useQuery(PostService.method.getPost, { id: postId });
  const post = q.data?.post;
  const tz = useTimeZone();
  const id = useId();
  const reschedule = useReschedule();
  const at = tsToMs(post?.scheduledTime);
  const [value, setValue] = useState(() => (at !== undefined && at > Date.now() ? inputValue(at, tz) : ""));
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState("");
  if (!post) return null;
  const submit = async (ev: FormEvent) => {
    ev.preventDefault();
    const t = fromInputValue(value, tz);
    if (t === undefined) {
      setError("Choose the new date and time.");
      return;
    }
    setError("");
    setBusy(true);
    await reschedule(post, t);
    setBusy(false);
  };
  return (
    <form onSubmit={submit} className="rounded-lg border border-slate-200 p-3">
      <Label htmlFor={id}>Move to</Label>
      <div className="mt-1 flex flex-wrap gap-2">
        <Input
          id={id}
          type="datetime-local"
          step={60}
          value={value}
          onChange={(e) => setValue(e.target.value)}
          className="w-auto min-w-0 flex-1"
          aria-describedby={`${id}-hint${error ? ` ${id}-error` : ""}`}
          aria-invalid={error ? true : undefined}
        />
        <Button type="submit" variant="secondary" disabled={busy}>
          {busy ? "Moving…" : "Reschedule"}
        </Button>
      </div>
      {error && <p id={`${id}-error`} className="mt-1 text-sm font-medium text-red-800">{error}</p>}
      <Hint id={`${id}-hint`}>In your time zone, {zoneLabel(tz)}.</Hint>
    </form>
  );
}

const activityWords: Record<ActivityKind, string> = {
  [ActivityKind.UNSPECIFIED]: "did something",
  [ActivityKind.CREATED]: "created it",
  [ActivityKind.EDITED]: "edited it",
  [ActivityKind.SUBMITTED]: "submitted it for approval",
  [ActivityKind.APPROVED]: "approved it",
  [ActivityKind.REJECTED]: "sent it back",
  [ActivityKind.SCHEDULED]: "scheduled it",
  [ActivityKind.UNSCHEDULED]: "moved it to drafts",
  [ActivityKind.PUBLISH_REQUESTED]: "asked to publish it now",
  [ActivityKind.RETRIED]: "retried it",
  [ActivityKind.PUBLISHED]: "published it on X",
  [ActivityKind.FAILED]: "could not publish it",
  [ActivityKind.UNCONFIRMED]: "could not confirm it on X",
};

// ActivityList: who did what to the post, oldest first. The version in the
// query key refetches it whenever the post changes.
function ActivityList({ post }: { post: Post }) {
  const q = useQuery(PostService.method.listPostActivity, { id: post.id }, { staleTime: 0 });
  const refetch = q.refetch;
  useEffect(() => {
    void refetch();
  }, [post.version, refetch]);
  const items = q.data?.activity ?? [];
  if (items.length === 0) return null;
  return (
    <section aria-label="Activity" className="border-t border-slate-200 pt-3">
      <h3 className="text-sm font-semibold text-slate-900">Activity</h3>
      <ol className="mt-1 space-y-1 text-sm text-slate-800">
        {items.map((a, i) => {
          const at = tsToMs(a.time);
          return (
            <li key={i}>
              <strong className="font-semibold text-slate-950">{a.actorId ? a.actorName || "Someone" : "BetterPlan"}</strong> {activityWords[a.kind]}
              {a.note && <>: “{a.note}”</>}
              {at !== undefined && <span className="text-slate-700"> · <RelativeTime ms={at} past /></span>}
            </li>
          );
        })}
      </ol>
    </section>
  );
}

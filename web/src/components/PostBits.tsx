// Pieces shown wherever a post is: its facts, its parts with their links
// on X, X's words when something went wrong, and what can be done next.
import { useMutation, useQuery } from "@connectrpc/connect-query";
import { useQueryClient } from "@tanstack/react-query";
import { useId, useState } from "react";
import { Link } from "@tanstack/react-router";
import type { Integration } from "../gen/betterplan/integration/v1/integration_pb";
import { ErrorKind, PostService, Status, type Post } from "../gen/betterplan/post/v1/post_pb";
import { WorkspaceService } from "../gen/betterplan/workspace/v1/workspace_pb";
import { errorMessage } from "../lib/api";
import { afterChange, removePost } from "../lib/cache";
import { settleToastNow } from "../lib/live";
import { editable, errorKinds, statusLabel } from "../lib/posts";
import { tsToMs } from "../lib/time";
import { cn } from "../lib/utils";
import { Thumb } from "./MediaAttach";
import { usePostAccess } from "../lib/workspace";
import { RelativeTime } from "./RelativeTime";
import { useConfirm } from "./ui/alert-dialog";
import { Button } from "./ui/button";
import { Input, Label } from "./ui/input";
import { toast } from "./ui/toast";

export function PostFacts({ post }: { post: Post }) {
  const scheduled = tsToMs(post.scheduledTime);
  const published = tsToMs(post.publishTime);
  const next = tsToMs(post.nextAttemptTime);
  const waiting = post.status === Status.SCHEDULED || post.status === Status.PUBLISHING;
  const showNext = next !== undefined && waiting && (post.attempts > 0 || scheduled === undefined || next !== scheduled);
  return (
    <dl className="grid grid-cols-[auto_1fr] gap-x-3 gap-y-1 text-sm">
      {post.status === Status.DRAFT ? (
        <>
          <dt className="font-semibold text-slate-800">When</dt>
          <dd className="text-slate-900">Not scheduled (draft)</dd>
        </>
      ) : scheduled !== undefined ? (
        <>
          <dt className="font-semibold text-slate-800">{post.status === Status.PUBLISHED ? "Scheduled for" : post.status === Status.PENDING_APPROVAL ? "Asked for" : "When"}</dt>
          <dd className="text-slate-900"><RelativeTime ms={scheduled} relative={waiting || post.status === Status.FAILED} /></dd>
        </>
      ) : null}
      {published !== undefined && (
        <>
          <dt className="font-semibold text-slate-800">Published</dt>
          <dd className="text-slate-900"><RelativeTime ms={published} past /></dd>
        </>
      )}
      {post.attempts > 0 && (
        <>
          <dt className="font-semibold text-slate-800">Attempts</dt>
          <dd className="text-slate-900">{post.attempts}</dd>
        </>
      )}
      {showNext && (
        <>
          <dt className="font-semibold text-slate-800">Next attempt</dt>
          <dd className="text-slate-900"><RelativeTime ms={next} /></dd>
        </>
      )}
    </dl>
  );
}

export function PostParts({ post, clamp }: { post: Post; clamp?: boolean }) {
  const List = post.thread ? "ol" : "ul";
  return (
    <List className="space-y-2">
      {post.parts.map((part, i) => (
        <li key={i} className={cn(post.thread && "border-l-2 border-slate-300 pl-3")}>
          {post.thread && <span className="text-xs font-semibold text-slate-700">Part {i + 1}</span>}
          <p className={cn("text-[15px] break-words whitespace-pre-wrap text-slate-950", clamp && "line-clamp-4")}>{part.text}</p>
          <PartFiles post={post} ids={part.mediaIds} small={clamp} />
          {part.url && (
            <a
              href={part.url}
              target="_blank"
              rel="noopener noreferrer"
              className="mt-1 inline-flex min-h-11 items-center text-sm font-semibold text-sky-800 underline underline-offset-2 hover:text-sky-950"
            >
              {post.thread ? `Part ${i + 1} on X` : "View on X"}
              <span className="sr-only"> (opens in a new tab)</span>
              <span aria-hidden="true">&nbsp;↗</span>
            </a>
          )}
        </li>
      ))}
    </List>
  );
}

// PartFiles shows a part's files (a file deleted since, on a post already on
// X, is named as gone).
function PartFiles({ post, ids, small }: { post: Post; ids: string[]; small?: boolean }) {
  if (ids.length === 0) return null;
  return (
    <ul className={cn("mt-1 grid gap-1", small ? "max-w-sm grid-cols-4" : "max-w-md grid-cols-2")} aria-label="Media">
      {ids.map((id) => {
        const m = post.media.find((x) => x.id === id);
        return (
          <li key={id} className="overflow-hidden rounded-md border border-slate-200 bg-slate-50">
            {m ? <Thumb media={m} /> : <span className="block p-1 text-xs text-slate-700">A file deleted from the library</span>}
          </li>
        );
      })}
    </ul>
  );
}

// RejectionView: why an editor sent the post back (until it is resubmitted).
export function RejectionView({ post }: { post: Post }) {
  const r = post.rejection;
  const members = useQuery(WorkspaceService.method.listMembers, { workspaceId: post.workspaceId }, { enabled: !!r });
  if (!r) return null;
  const by = members.data?.members.find((m) => m.userId === r.rejectedBy);
  const at = tsToMs(r.time);
  return (
    <div className="rounded-lg border border-orange-300 bg-orange-50 px-3 py-2 text-sm text-orange-950">
      <p>
        <strong>Sent back{by ? ` by ${by.displayName || by.email}` : ""}: </strong>
        {r.reason}
      </p>
      <p className="mt-1">Change it and give it a time again to ask for approval once more.</p>
      {at !== undefined && <p className="mt-1 text-slate-800"><RelativeTime ms={at} past /></p>}
    </div>
  );
}

export function PostErrorView({ post }: { post: Post }) {
  const err = post.lastError;
  if (!err || (!err.message && err.kind === ErrorKind.UNSPECIFIED)) return null;
  // A published post's earlier trouble, or a wait for X's rate limit, is
  // information rather than a failure.
  const soft = post.status === Status.PUBLISHED || post.status === Status.SCHEDULED || post.status === Status.PUBLISHING;
  const xSaid = [err.xTitle, err.xDetail].filter(Boolean).join(": ");
  const at = tsToMs(err.time);
  return (
    <div className={cn("rounded-lg border px-3 py-2 text-sm", soft ? "border-slate-300 bg-slate-50 text-slate-900" : "border-red-300 bg-red-50 text-red-950")}>
      <p>
        <strong>{soft ? "Last problem" : (errorKinds[err.kind] ?? "Error")}: </strong>
        {err.message || errorKinds[err.kind] || "Something went wrong."}
      </p>
      {(xSaid || err.xHttpStatus > 0) && (
        <p className="mt-1">
          <strong>X said: </strong>“{xSaid || "no details"}”{err.xHttpStatus > 0 ? ` (HTTP ${err.xHttpStatus})` : ""}
        </p>
      )}
      {err.kind === ErrorKind.RECONNECT_REQUIRED && (
        <p className="mt-1">
          <Link to="/integrations" className="font-semibold underline">Reconnect your X account</Link>
        </p>
      )}
      {post.status === Status.UNCONFIRMED && (
        <p className="mt-1">
          A part may or may not be on X, and BetterPlan could not read X to find out. Check X again, or look at the account on X
          yourself and then send anyway or delete.
        </p>
      )}
      {at !== undefined && <p className="mt-1 text-slate-800"><RelativeTime ms={at} /></p>}
    </div>
  );
}

// PostActions: the buttons for what a post can do next.
export function PostActions({ post, account, onEdit, onDeleted }: { post: Post; account: Integration | undefined; onEdit?: () => void; onDeleted?: () => void }) {
  const qc = useQueryClient();
  const confirm = useConfirm();
  const toastId = `post-${post.id}`;
  const who = account ? `@${account.username}` : "the X account";
  const fail = (what: string) => (e: unknown) => toast({ id: toastId, tone: "error", title: what, description: errorMessage(e) });
  const publish = useMutation(PostService.method.publishPost, {
    onSuccess: (r) => {
      afterChange(qc, r.post);
      toast({ id: toastId, tone: "info", title: "Publishing now", description: `The post goes to ${who}; its status updates here.` });
      settleToastNow(r.post);
    },
    onError: fail("Could not publish the post"),
  });
  const retry = useMutation(PostService.method.retryPost, {
    onSuccess: (r, vars) => {
      afterChange(qc, r.post);
      toast({ id: toastId, tone: "info", title: vars.force ? "Sending again" : post.status === Status.UNCONFIRMED ? "Checking X again" : "Retrying now" });
      settleToastNow(r.post);
    },
    onError: fail("Could not retry the post"),
  });
  const del = useMutation(PostService.method.deletePost, {
    onSuccess: () => {
      removePost(qc, post.id);
      afterChange(qc, undefined);
      toast({ id: toastId, title: "Post deleted" });
      onDeleted?.();
    },
    onError: fail("Could not delete the post"),
  });
  const approve = useMutation(PostService.method.approvePost, {
    onSuccess: (r) => {
      afterChange(qc, r.post);
      toast({ id: toastId, title: "Approved", description: "It is scheduled at its time." });
    },
    onError: fail("Could not approve the post"),
  });
  const reject = useMutation(PostService.method.rejectPost, {
    onSuccess: (r) => {
      afterChange(qc, r.post);
      setRejecting(false);
      setReason("");
      toast({ id: toastId, title: "Sent back to the writer" });
    },
    onError: fail("Could not send the post back"),
  });
  const [rejecting, setRejecting] = useState(false);
  const [reason, setReason] = useState("");
  const reasonId = useId();
  const { canSchedule, canChange } = usePostAccess(post);
  const sendable = post.integrationId !== "" && canSchedule;
  const busy = publish.isPending || retry.isPending || del.isPending || approve.isPending || reject.isPending;

  return (
    <div data-autofocus className="flex flex-wrap gap-2">
      {sendable && post.status === Status.PENDING_APPROVAL && (
        <>
          <Button size="sm" disabled={busy} onClick={() => approve.mutate({ id: post.id, version: post.version })}>
            {approve.isPending ? "Approving…" : "Approve"}
          </Button>
          <Button size="sm" variant="secondary" disabled={busy} aria-expanded={rejecting} onClick={() => setRejecting((v) => !v)}>
            Send back
          </Button>
        </>
      )}
      {rejecting && (
        <form
          className="flex w-full flex-wrap items-end gap-2"
          onSubmit={(e) => {
            e.preventDefault();
            reject.mutate({ id: post.id, version: post.version, reason: reason.trim() });
          }}
        >
          <div className="min-w-56 flex-1">
            <Label htmlFor={reasonId}>What should the writer change?</Label>
            <Input id={reasonId} value={reason} maxLength={1000} required onChange={(e) => setReason(e.target.value)} className="mt-1" />
          </div>
          <Button size="sm" type="submit" disabled={busy || reason.trim() === ""}>
            {reject.isPending ? "Sending back…" : "Send back to the writer"}
          </Button>
        </form>
      )}
      {sendable && (post.status === Status.DRAFT || post.status === Status.SCHEDULED) && (
        <Button
          size="sm"
          disabled={busy}
          onClick={async () => {
            const ok = await confirm({
              title: "Publish now?",
              description: <p>This sends the {post.thread ? `thread of ${post.parts.length} parts` : "post"} to X as {who} right away.</p>,
              confirmLabel: "Publish now",
            });
            if (ok) publish.mutate({ id: post.id });
          }}
        >
          {publish.isPending ? "Publishing…" : "Publish now"}
        </Button>
      )}
      {sendable && post.status === Status.FAILED && (
        <Button size="sm" disabled={busy} onClick={() => retry.mutate({ id: post.id })}>
          {retry.isPending ? "Retrying…" : "Retry"}
        </Button>
      )}
      {sendable && post.status === Status.UNCONFIRMED && (
        <>
          <Button size="sm" disabled={busy} onClick={() => retry.mutate({ id: post.id })}>
            {retry.isPending && !retry.variables?.force ? "Checking…" : "Check X again"}
          </Button>
          <Button
            size="sm"
            variant="secondary"
            disabled={busy}
            onClick={async () => {
              const ok = await confirm({
                title: "Send anyway?",
                description: (
                  <>
                    <p>BetterPlan could not read X to tell whether this post is already there.</p>
                    <p>Look at {who} on X first. If the post is there, sending again makes X refuse it as a duplicate, or it appears twice.</p>
                  </>
                ),
                confirmLabel: "Send anyway",
                danger: true,
              });
              if (ok) retry.mutate({ id: post.id, force: true });
            }}
          >
            Send anyway
          </Button>
        </>
      )}
      {onEdit && editable(post) && canChange && (
        <Button size="sm" variant="secondary" disabled={busy} onClick={onEdit}>
          Edit
        </Button>
      )}
      {post.status !== Status.PUBLISHING && canChange && (
        <Button
          size="sm"
          variant="danger-outline"
          disabled={busy}
          onClick={async () => {
            const ok = await confirm({
              title: "Delete this post?",
              description: <p>{post.status === Status.PUBLISHED ? "It is deleted from BetterPlan only; it stays on X." : `It will not be published (it is ${statusLabel(post.status).toLowerCase()}).`}</p>,
              confirmLabel: "Delete",
              danger: true,
            });
            if (ok) del.mutate({ id: post.id });
          }}
        >
          {del.isPending ? "Deleting…" : "Delete"}
        </Button>
      )}
    </div>
  );
}

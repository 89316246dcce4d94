// The posts list: what is coming up (soonest first), what needs attention
// (failed or unconfirmed, with X's words and what to do), drafts, and what
// was published (newest first, with links to the parts on X). Filters by
// status, account and dates; pages load on demand; the list is virtualized
// so a thousand posts scroll as lightly as ten.
import { useInfiniteQuery, useQuery } from "@connectrpc/connect-query";
import { getRouteApi, useNavigate } from "@tanstack/react-router";
import { useWindowVirtualizer } from "@tanstack/react-virtual";
import { useId, useLayoutEffect, useMemo, useRef, useState } from "react";
import { PageHeader } from "../components/AppShell";
import { Avatar } from "../components/Avatar";
import { useComposer } from "../components/ComposerHost";
import { PostActions, PostErrorView, PostParts, RejectionView } from "../components/PostBits";
import { RelativeTime } from "../components/RelativeTime";
import { StatusBadge } from "../components/StatusBadge";
import { Badge } from "../components/ui/badge";
import { Button } from "../components/ui/button";
import { Alert } from "../components/ui/card";
import { Input, Label, Select } from "../components/ui/input";
import { IntegrationService, type Integration } from "../gen/betterplan/integration/v1/integration_pb";
import { PostService, Status, type Post } from "../gen/betterplan/post/v1/post_pb";
import { errorMessage } from "../lib/api";
import { useLiveState } from "../lib/live";
import { useTimeZone } from "../lib/session";
import { addDays, msToTs, parseCivil, tsToMs, zonedToInstant, zoneLabel } from "../lib/time";
import { shows, type PostsSearch, type Show } from "../search";
import { useRole, useWorkspaceId } from "../lib/workspace";

interface Section {
  id: Exclude<Show, "all">;
  title: string;
  statuses: Status[];
  descending: boolean;
  empty: string;
}

const sections: Section[] = [
  { id: "approval", title: "Awaiting approval", statuses: [Status.PENDING_APPROVAL], descending: false, empty: "Nothing waits for approval." },
  { id: "attention", title: "Needs attention", statuses: [Status.FAILED, Status.UNCONFIRMED], descending: true, empty: "Nothing failed. Good." },
  { id: "upcoming", title: "Upcoming", statuses: [Status.SCHEDULED, Status.PUBLISHING], descending: false, empty: "Nothing is scheduled." },
  { id: "drafts", title: "Drafts", statuses: [Status.DRAFT], descending: false, empty: "No drafts." },
  { id: "published", title: "Published", statuses: [Status.PUBLISHED], descending: true, empty: "Nothing published yet." },
];

const pageSize = 50;

type Row =
  | { kind: "head"; section: Section; count: number; more: boolean }
  | { kind: "post"; post: Post; section: Section }
  | { kind: "note"; section: Section; text: string; error?: boolean }
  | { kind: "more"; section: Section };

const route = getRouteApi("/signed-in/posts");

export function PostsPage() {
  const search: PostsSearch = route.useSearch();
  const tz = useTimeZone();
  const navigate = useNavigate();
  const { compose, openPost } = useComposer();
  const live = useLiveState();
  const show = search.show ?? "all";
  const workspaceId = useWorkspaceId();
  const { canWrite } = useRole();
  const accounts = useQuery(IntegrationService.method.listIntegrations, { workspaceId });
  const accountById = useMemo(() => new Map((accounts.data?.integrations ?? []).map((a) => [a.id, a])), [accounts.data]);

  const fromDay = parseCivil(search.from);
  const toDay = parseCivil(search.to);
  const dated = fromDay !== undefined || toDay !== undefined;
  const range = {
    scheduledAfter: fromDay ? msToTs(zonedToInstant(fromDay, tz)) : undefined,
    scheduledBefore: toDay ? msToTs(zonedToInstant(addDays(toDay, 1), tz)) : undefined,
  };

  // One query per section (hooks in a fixed order; the hidden ones are off).
  const queries = sections.map((sec) => {
    const on = (show === "all" || show === sec.id) && !(sec.id === "drafts" && dated);
    // eslint-disable-next-line react-hooks/rules-of-hooks
    const q = useInfiniteQuery(
      PostService.method.listPosts,
      { workspaceId, statuses: sec.statuses, integrationId: search.account ?? "", descending: sec.descending, pageSize, pageToken: "", ...range },
      { pageParamKey: "pageToken", getNextPageParam: (r) => r.nextPageToken || undefined, enabled: on },
    );
    return { sec, on, q };
  });

  const rows = useMemo(() => {
    const out: Row[] = [];
    for (const { sec, on, q } of queries) {
      if (!on) continue;
      const posts = q.data?.pages.flatMap((p) => p.posts) ?? [];
      // In the overview, an empty "needs attention" section says nothing.
      if (show === "all" && (sec.id === "attention" || sec.id === "approval") && q.isSuccess && posts.length === 0) continue;
      out.push({ kind: "head", section: sec, count: posts.length, more: q.hasNextPage });
      if (q.isPending) out.push({ kind: "note", section: sec, text: "Loading…" });
      else if (q.isError && posts.length === 0) out.push({ kind: "note", section: sec, text: `Could not load these posts: ${errorMessage(q.error)}`, error: true });
      else if (posts.length === 0) out.push({ kind: "note", section: sec, text: sec.empty });
      const seen = new Set<string>();
      for (const p of posts) {
        if (seen.has(p.id)) continue;
        seen.add(p.id);
        out.push({ kind: "post", post: p, section: sec });
      }
      if (q.hasNextPage) out.push({ kind: "more", section: sec });
    }
    return out;
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [show, ...queries.map((x) => x.q.data), ...queries.map((x) => x.q.status), ...queries.map((x) => x.q.hasNextPage)]);

  const listRef = useRef<HTMLDivElement>(null);
  const [margin, setMargin] = useState(0);
  useLayoutEffect(() => {
    const measure = () => setMargin(listRef.current ? listRef.current.getBoundingClientRect().top + window.scrollY : 0);
    measure();
    window.addEventListener("resize", measure);
    return () => window.removeEventListener("resize", measure);
  });
  const virtual = useWindowVirtualizer({
    count: rows.length,
    estimateSize: (i) => (rows[i]?.kind === "post" ? 220 : rows[i]?.kind === "head" ? 64 : 60),
    overscan: 6,
    scrollMargin: margin,
    getItemKey: (i) => {
      const r = rows[i];
      return r.kind === "post" ? `${r.section.id}:${r.post.id}` : `${r.section.id}:${r.kind}`;
    },
  });

  const setSearch = (patch: Partial<PostsSearch>) =>
    void navigate({ to: "/posts", search: (old: PostsSearch) => clean({ ...old, ...patch }), replace: true });

  return (
    <>
      <PageHeader title="Posts" description={`Times in ${zoneLabel(tz)}. This list updates itself as posts go out.`}>
        {canWrite && <Button onClick={() => compose()}>Write a post</Button>}
      </PageHeader>
      {live === "reconnecting" && (
        <Alert tone="warning" role="status" className="mb-3">
          Live updates are interrupted; reconnecting. What you see may be out of date.
        </Alert>
      )}
      <Filters search={search} accounts={accounts.data?.integrations ?? []} onChange={setSearch} />
      {dated && (show === "all" || show === "drafts") && (
        <p className="mb-3 text-sm text-slate-700">Drafts have no time, so a date range leaves them out.</p>
      )}

      <div ref={listRef} className="relative" style={{ height: virtual.getTotalSize() }}>
        {virtual.getVirtualItems().map((v) => {
          const row = rows[v.index];
          return (
            <div
              key={v.key}
              data-index={v.index}
              ref={virtual.measureElement}
              className="absolute inset-x-0 top-0"
              style={{ transform: `translateY(${v.start - virtual.options.scrollMargin}px)` }}
            >
              <RowView
                row={row}
                account={row.kind === "post" ? accountById.get(row.post.integrationId) : undefined}
                query={queries.find((x) => x.sec.id === row.section.id)?.q}
                onOpen={openPost}
              />
            </div>
          );
        })}
      </div>
    </>
  );
}

function clean(s: PostsSearch): PostsSearch {
  const out: PostsSearch = {};
  if (s.show && s.show !== "all") out.show = s.show;
  if (s.account) out.account = s.account;
  if (s.from) out.from = s.from;
  if (s.to) out.to = s.to;
  return out;
}

function Filters({ search, accounts, onChange }: { search: PostsSearch; accounts: Integration[]; onChange: (p: Partial<PostsSearch>) => void }) {
  const id = useId();
  const any = search.show || search.account || search.from || search.to;
  return (
    <form role="search" aria-label="Filter posts" className="mb-4 flex flex-wrap items-end gap-3 rounded-xl border border-slate-200 bg-white p-3" onSubmit={(e) => e.preventDefault()}>
      <div>
        <Label htmlFor={`${id}-show`}>Show</Label>
        <Select id={`${id}-show`} value={search.show ?? "all"} onChange={(e) => onChange({ show: e.target.value as Show })} className="mt-1">
          {shows.map((s) => (
            <option key={s.value} value={s.value}>
              {s.label}
            </option>
          ))}
        </Select>
      </div>
      <div>
        <Label htmlFor={`${id}-account`}>X account</Label>
        <Select id={`${id}-account`} value={search.account ?? ""} onChange={(e) => onChange({ account: e.target.value || undefined })} className="mt-1">
          <option value="">All accounts</option>
          {accounts.map((a) => (
            <option key={a.id} value={a.id}>
              @{a.username}
            </option>
          ))}
        </Select>
      </div>
      <div>
        <Label htmlFor={`${id}-from`}>From</Label>
        <Input id={`${id}-from`} type="date" value={search.from ?? ""} onChange={(e) => onChange({ from: e.target.value || undefined })} className="mt-1" />
      </div>
      <div>
        <Label htmlFor={`${id}-to`}>To</Label>
        <Input id={`${id}-to`} type="date" value={search.to ?? ""} min={search.from} onChange={(e) => onChange({ to: e.target.value || undefined })} className="mt-1" />
      </div>
      {any && (
        <Button variant="ghost" onClick={() => onChange({ show: undefined, account: undefined, from: undefined, to: undefined })}>
          Clear filters
        </Button>
      )}
    </form>
  );
}

type SectionQuery = { hasNextPage: boolean; isFetchingNextPage: boolean; fetchNextPage: () => unknown; isError: boolean; error: unknown };

function RowView({ row, account, query, onOpen }: { row: Row; account: Integration | undefined; query: SectionQuery | undefined; onOpen: (id: string, edit?: boolean) => void }) {
  switch (row.kind) {
    case "head":
      return (
        <h2 className="pt-4 pb-2 text-lg font-semibold text-slate-950">
          {row.section.title}
          {row.count > 0 && <span className="ml-2 text-sm font-normal text-slate-700">{row.count}{row.more ? "+" : ""}</span>}
        </h2>
      );
    case "note":
      return row.error ? <Alert role="alert" className="mb-3">{row.text}</Alert> : <p className="mb-3 rounded-xl border border-dashed border-slate-300 px-4 py-3 text-slate-700">{row.text}</p>;
    case "more":
      return (
        <div className="mb-3">
          <Button variant="secondary" disabled={query?.isFetchingNextPage} onClick={() => void query?.fetchNextPage()}>
            {query?.isFetchingNextPage ? "Loading…" : <>Load more<span className="sr-only"> ({row.section.title.toLowerCase()})</span></>}
          </Button>
          {query?.isError && <span role="alert" className="ml-3 text-sm text-red-800">Could not load more: {errorMessage(query.error)}</span>}
        </div>
      );
    case "post":
      return <PostRow post={row.post} account={account} onOpen={onOpen} />;
  }
}

function PostRow({ post, account, onOpen }: { post: Post; account: Integration | undefined; onOpen: (id: string, edit?: boolean) => void }) {
  const scheduled = tsToMs(post.scheduledTime);
  const published = tsToMs(post.publishTime);
  const next = tsToMs(post.nextAttemptTime);
  const waiting = post.status === Status.SCHEDULED || post.status === Status.PUBLISHING;
  const retrying = waiting && next !== undefined && (post.attempts > 0) && next !== scheduled;
  const headId = useId();
  return (
    <div className="pb-3">
      <article aria-labelledby={headId} className="rounded-xl border border-slate-200 bg-white p-4 shadow-sm">
        <header className="flex flex-wrap items-center gap-2">
          <StatusBadge status={post.status} />
          {post.thread && <Badge className="bg-white text-slate-800 ring-slate-300">Thread of {post.parts.length}</Badge>}
          <span className="inline-flex items-center gap-1.5 text-sm text-slate-900">
            <Avatar account={account} size={24} />
            {account ? `@${account.username}` : post.integrationId ? "" : "disconnected X account"}
          </span>
          <h3 id={headId} className="ml-auto text-sm text-slate-800">
            {post.status === Status.DRAFT ? "Draft, not scheduled" : published !== undefined ? <>Published <RelativeTime ms={published} past /></> : scheduled !== undefined ? <>{post.status === Status.FAILED || post.status === Status.UNCONFIRMED ? "Was due" : post.status === Status.PENDING_APPROVAL ? "Asked for" : "Scheduled for"} <RelativeTime ms={scheduled} relative={waiting || post.status === Status.FAILED} /></> : "No time"}
          </h3>
        </header>
        <div className="mt-3">
          <PostParts post={post} clamp />
        </div>
        {(retrying || post.attempts > 1) && (
          <p className="mt-2 text-sm text-slate-800">
            {post.attempts} attempt{post.attempts === 1 ? "" : "s"}
            {retrying && next !== undefined && <>; next <RelativeTime ms={next} /></>}
          </p>
        )}
        <div className="mt-3 empty:hidden">
          <PostErrorView post={post} />
          <RejectionView post={post} />
        </div>
        <div className="mt-3 flex flex-wrap items-center gap-2">
          <PostActions post={post} account={account} onEdit={() => onOpen(post.id, true)} />
          <Button size="sm" variant="ghost" onClick={() => onOpen(post.id)}>
            Details
          </Button>
        </div>
      </article>
    </div>
  );
}

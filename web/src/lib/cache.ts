// Keeping cached posts current: a post read anywhere (a mutation's answer,
// a WatchPosts event) replaces its copies in every cached list and GetPost;
// lists are then refetched, since a change can move a post between them.
import { createConnectQueryKey } from "@connectrpc/connect-query";
import type { InfiniteData, QueryClient } from "@tanstack/react-query";
import { PostService, type ListPostsResponse, type Post } from "../gen/betterplan/post/v1/post_pb";
import { QueueService } from "../gen/betterplan/post/v1/queue_pb";
import { SeriesService } from "../gen/betterplan/post/v1/series_pb";

const listKey = createConnectQueryKey({ schema: PostService.method.listPosts, cardinality: "infinite" });
const getKey = createConnectQueryKey({ schema: PostService.method.getPost, cardinality: "finite" });
const serviceKey = createConnectQueryKey({ schema: PostService, cardinality: undefined });
const queueKey = createConnectQueryKey({ schema: QueueService, cardinality: undefined });
const seriesKey = createConnectQueryKey({ schema: SeriesService, cardinality: undefined });

type Pages = InfiniteData<ListPostsResponse>;

export function patchPost(qc: QueryClient, post: Post): void {
  qc.setQueriesData<Pages>({ queryKey: listKey }, (data) => {
    if (!data) return data;
    let changed = false;
    const pages = data.pages.map((page) => {
      if (!page.posts.some((p) => p.id === post.id)) return page;
      changed = true;
      return { ...page, posts: page.posts.map((p) => (p.id === post.id && p.version <= post.version ? post : p)) };
    });
    return changed ? { ...data, pages } : data;
  });
  qc.setQueriesData({ queryKey: getKey }, (data: unknown) => {
    const d = data as { post?: Post } | undefined;
    if (!d?.post || d.post.id !== post.id || d.post.version > post.version) return data;
    return { ...d, post };
  });
}

export function removePost(qc: QueryClient, id: string): void {
  qc.setQueriesData<Pages>({ queryKey: listKey }, (data) => {
    if (!data || !data.pages.some((pg) => pg.posts.some((p) => p.id === id))) return data;
    return { ...data, pages: data.pages.map((page) => ({ ...page, posts: page.posts.filter((p) => p.id !== id) })) };
  });
}

// refreshLists refetches the post lists on screen (and marks the rest
// stale), queues and series included: a post changing can free or take a
// slot, or be a series' occurrence.
export function refreshLists(qc: QueryClient): Promise<void> {
  return Promise.all([qc.invalidateQueries({ queryKey: listKey }), qc.invalidateQueries({ queryKey: queueKey }), qc.invalidateQueries({ queryKey: seriesKey })]).then(() => undefined);
}

// refreshAllPosts refetches every post query (after WatchPosts' `ready`).
export function refreshAllPosts(qc: QueryClient): Promise<void> {
  return Promise.all([qc.invalidateQueries({ queryKey: serviceKey }), qc.invalidateQueries({ queryKey: queueKey })]).then(() => undefined);
}

// afterChange records a post a mutation returned and refreshes the lists.
export function afterChange(qc: QueryClient, post: Post | undefined): void {
  if (post) patchPost(qc, post);
  void refreshLists(qc);
}

// Moving a post to another time (a calendar drag, or the post dialog's
// date field): UpdatePost with the version the app read. When the post
// changed meanwhile (aborted), the lists are read again and the person is
// told so.
import { Code } from "@connectrpc/connect";
import { createConnectQueryKey, useMutation } from "@connectrpc/connect-query";
import { useQueryClient } from "@tanstack/react-query";
import { toast } from "../components/ui/toast";
import { PostService, type Post } from "../gen/betterplan/post/v1/post_pb";
import { codeOf, errorMessage } from "./api";
import { afterChange } from "./cache";
import { useTimeZone } from "./session";
import { formatDateTime, msToTs } from "./time";

export function useReschedule(): (post: Post, at: number) => Promise<boolean> {
  const qc = useQueryClient();
  const tz = useTimeZone();
  const m = useMutation(PostService.method.updatePost);
  return async (post, at) => {
    const id = `post-${post.id}`;
    if (at < Date.now() - 5000) {
      toast({ id, tone: "error", title: "That time has passed", description: `Choose a time after now to move the post to (it is ${formatDateTime(Date.now(), tz)}).` });
      return false;
    }
    try {
      const res = await m.mutateAsync({ id: post.id, version: post.version, when: { case: "scheduledTime", value: msToTs(at) } });
      afterChange(qc, res.post);
      toast({ id, title: `Moved to ${formatDateTime(at, tz)}` });
      return true;
    } catch (e) {
      if (codeOf(e) === Code.Aborted) {
        afterChange(qc, undefined);
        void qc.invalidateQueries({ queryKey: createConnectQueryKey({ schema: PostService.method.getPost, cardinality: "finite" }) });
        toast({
          id, tone: "error", title: "This post changed meanwhile",
          description: "It was changed elsewhere (another tab, or the publisher) since it was shown, so it was not moved. What you see now is its current state; try again.",
        });
      } else {
        toast({ id, tone: "error", title: "Could not move the post", description: errorMessage(e) });
      }
      return false;
    }
  };
}

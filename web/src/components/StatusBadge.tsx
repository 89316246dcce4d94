import { Status } from "../gen/betterplan/post/v1/post_pb";
import { statusInfo } from "../lib/posts";
import { Badge } from "./ui/badge";

export function StatusBadge({ status }: { status: Status }) {
  const info = statusInfo[status] ?? statusInfo[Status.UNSPECIFIED];
  return <Badge className={info.badge}>{info.label}</Badge>;
}

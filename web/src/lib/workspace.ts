// The workspace the app works in: the person's choice (kept per user in
// this browser), else their personal workspace. Every list and stream is
// of the current workspace; objects carry their own.
import { useSyncExternalStore } from "react";
import { Status as PostStatus } from "../gen/betterplan/post/v1/post_pb";
import { Role, type Membership } from "../gen/betterplan/workspace/v1/workspace_pb";
import { useMeAndWorkspaces } from "./session";

const key = (userId: string) => `betterplan:workspace:${userId}`;
const listeners = new Set<() => void>();
const chosen = new Map<string, string>();

function read(userId: string): string {
  try {
    return localStorage.getItem(key(userId)) ?? "";
  } catch {
    return "";
  }
}

export function chooseWorkspace(userId: string, workspaceId: string): void {
  try {
    localStorage.setItem(key(userId), workspaceId);
  } catch {
    // private mode: the choice lasts until reload
  }
  chosen.set(userId, workspaceId);
  listeners.forEach((l) => l());
}

// Each tab keeps its own choice once made (two tabs may show two
// workspaces); a new tab starts with the last one chosen in this browser.
function subscribe(l: () => void): () => void {
  listeners.add(l);
  return () => {
    listeners.delete(l);
  };
}

// useWorkspace is the current workspace with the person's role in it.
export function useWorkspace(): Membership {
  const me = useMeAndWorkspaces();
  const want = useSyncExternalStore(subscribe, () => chosen.get(me.user.id) ?? read(me.user.id));
  const list = me.workspaces;
  const found = list.find((m) => m.workspace?.id === want);
  const personal = list.find((m) => m.workspace?.personalOf === me.user.id);
  const current = found ?? personal ?? list[0];
  if (!current) throw new Error("no workspace");
  return current;
}

// useWorkspaceId is useWorkspace's id.
export function useWorkspaceId(): string {
  return useWorkspace().workspace?.id ?? "";
}

// Roles are ordered: each may do what the ones after it may.
const rank: Record<Role, number> = {
  [Role.UNSPECIFIED]: 0,
  [Role.VIEWER]: 1,
  [Role.WRITER]: 2,
  [Role.EDITOR]: 3,
  [Role.ADMIN]: 4,
  [Role.OWNER]: 5,
};

export function atLeast(have: Role, need: Role): boolean {
  return rank[have] >= rank[need];
}

export const roleNames: Record<Role, string> = {
  [Role.UNSPECIFIED]: "Unknown",
  [Role.OWNER]: "Owner",
  [Role.ADMIN]: "Admin",
  [Role.EDITOR]: "Editor",
  [Role.WRITER]: "Writer",
  [Role.VIEWER]: "Viewer",
};

export const roleHelp: Record<Role, string> = {
  [Role.UNSPECIFIED]: "",
  [Role.OWNER]: "everything, including deleting the workspace and managing owners",
  [Role.ADMIN]: "members, invitations and X accounts, and everything an editor does",
  [Role.EDITOR]: "write, schedule, publish, and approve writers' posts",
  [Role.WRITER]: "write drafts and submit them for approval",
  [Role.VIEWER]: "read only",
};

// useRole is the person's role in the current workspace, and what it allows.
export function useRole() {
  const role = useWorkspace().role;
  return {
    role,
    canWrite: atLeast(role, Role.WRITER),
    canSchedule: atLeast(role, Role.EDITOR),
    canManage: atLeast(role, Role.ADMIN),
    isOwner: role === Role.OWNER,
  };
}

// workspaceLabel names a workspace in lists: a personal one says so.
export function workspaceLabel(m: Membership, userId: string): string {
  const name = m.workspace?.name ?? "";
  return m.workspace?.personalOf === userId ? `${name} (personal)` : name;
}

// usePostAccess is what the person may do with a post, by their role in
// the post's own workspace: editors anything, writers their own drafts and
// posts waiting for approval.
export function usePostAccess(post: { workspaceId: string; authorId: string; status: number } | undefined) {
  const me = useMeAndWorkspaces();
  const role = me.workspaces.find((m) => m.workspace?.id === post?.workspaceId)?.role ?? Role.UNSPECIFIED;
  const canSchedule = atLeast(role, Role.EDITOR);
  const own = post !== undefined && post.authorId === me.user.id;
  const early = post !== undefined && (post.status === PostStatus.DRAFT || post.status === PostStatus.PENDING_APPROVAL);
  const canChange = canSchedule || (atLeast(role, Role.WRITER) && own && early);
  // Moving a post in time: editors; a writer their own post waiting for approval.
  const canMove = canSchedule || (canChange && post?.status === PostStatus.PENDING_APPROVAL);
  return { role, canSchedule, canChange, canMove };
}

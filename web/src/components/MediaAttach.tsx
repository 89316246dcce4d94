// The files of one part of a post: thumbnails with alt text, uploads with
// their progress, files added from disk (button or drag and drop) or from
// the workspace's media library, and X's rule said before it is broken.
import { createConnectQueryKey, useInfiniteQuery, useMutation } from "@connectrpc/connect-query";
import { useQueryClient } from "@tanstack/react-query";
import { useEffect, useId, useRef, useState, type DragEvent } from "react";
import { Kind, MediaService, type Media } from "../gen/betterplan/media/v1/media_pb";
import { errorMessage } from "../lib/api";
import { acceptAttr, fileProblem, kindLabel, partProblem, ruleText, upload, uploadError, wouldFit } from "../lib/media";
import { cn } from "../lib/utils";
import { Button } from "./ui/button";
import { Dialog, DialogBody, DialogContent, DialogFooter, DialogHeader, DialogTitle } from "./ui/dialog";
import { Label, Textarea } from "./ui/input";

interface Upload {
  key: number;
  name: string;
  progress: number;
  abort: AbortController;
}

let nextUpload = 0;

export interface MediaAttachProps {
  workspaceId: string;
  label: string; // "Part 2", "the post"
  media: Media[];
  onChange: (media: Media[]) => void;
  onBusyChange: (uploading: boolean) => void;
  locked?: boolean;
}

export function MediaAttach({ workspaceId, label, media, onChange, onBusyChange, locked }: MediaAttachProps) {
  const ids = useId();
  const qc = useQueryClient();
  const [uploads, setUploads] = useState<Upload[]>([]);
  const [problems, setProblems] = useState<string[]>([]);
  const [dragging, setDragging] = useState(false);
  const [library, setLibrary] = useState(false);
  const [editingAlt, setEditingAlt] = useState<string | null>(null);
  const fileRef = useRef<HTMLInputElement>(null);
  // The media as they are now, also between an upload's end and the render.
  const mediaRef = useRef(media);
  mediaRef.current = media;

  useEffect(() => onBusyChange(uploads.length > 0), [uploads.length, onBusyChange]);
  useEffect(() => () => onBusyChange(false), [onBusyChange]);
  // Leaving the composer cancels what is still uploading.
  const uploadsRef = useRef(uploads);
  uploadsRef.current = uploads;
  useEffect(() => () => uploadsRef.current.forEach((u) => u.abort.abort()), []);

  const add = (files: File[]) => {
    if (locked || files.length === 0) return;
    const bad = files.map(fileProblem).filter(Boolean);
    if (bad.length) {
      setProblems(bad);
      return;
    }
    const rule = wouldFit(mediaRef.current, files);
    if (rule) {
      setProblems([rule]);
      return;
    }
    setProblems([]);
    for (const file of files) {
      const u: Upload = { key: ++nextUpload, name: file.name, progress: 0, abort: new AbortController() };
      setUploads((us) => [...us, u]);
      upload(workspaceId, file, (f) => setUploads((us) => us.map((x) => (x.key === u.key ? { ...x, progress: f } : x))), u.abort.signal)
        .then((m) => {
          // Uploads finishing together each add to what the one before left.
          mediaRef.current = [...mediaRef.current, m];
          onChange(mediaRef.current);
          void qc.invalidateQueries({ queryKey: createConnectQueryKey({ schema: MediaService, cardinality: undefined }) });
        })
        .catch((e: unknown) => {
          if (!u.abort.signal.aborted) setProblems((ps) => [...ps, `${file.name}: ${uploadError(e)}`]);
        })
        .finally(() => setUploads((us) => us.filter((x) => x.key !== u.key)));
    }
  };

  const onDrop = (e: DragEvent) => {
    e.preventDefault();
    setDragging(false);
    add([...e.dataTransfer.files]);
  };
  const rule = partProblem(media.map((m) => m.kind));

  return (
    <div
      data-testid="part-media"
      onDragOver={(e) => {
        if (locked || !e.dataTransfer.types.includes("Files")) return;
        e.preventDefault();
        setDragging(true);
      }}
      onDragLeave={() => setDragging(false)}
      onDrop={onDrop}
      className={cn("mt-2 rounded-lg", dragging && "outline-2 outline-offset-2 outline-sky-600 outline-dashed")}
    >
      {(media.length > 0 || uploads.length > 0) && (
        <ul className="grid grid-cols-2 gap-2 sm:grid-cols-4" aria-label={`Media of ${label}`}>
          {media.map((m) => (
            <li key={m.id} className="relative overflow-hidden rounded-lg border border-slate-200 bg-slate-50">
              <Thumb media={m} />
              {m.altText ? (
                <span className="absolute top-1 left-1 rounded bg-slate-900/85 px-1 text-xs font-bold text-white" title={m.altText}>
                  ALT
                </span>
              ) : null}
              {!locked && (
                <div className="grid grid-cols-2">
                  <Button size="sm" variant="ghost" className="px-1" onClick={() => setEditingAlt(m.id)} aria-label={`Alt text for ${m.filename}`}>
                    Alt
                  </Button>
                  <Button size="sm" variant="ghost" className="px-1" onClick={() => onChange(media.filter((x) => x.id !== m.id))} aria-label={`Remove ${m.filename}`}>
                    Remove
                  </Button>
                </div>
              )}
            </li>
          ))}
          {uploads.map((u) => (
            <li key={u.key} className="flex flex-col justify-center gap-1 rounded-lg border border-slate-200 p-2 text-xs text-slate-800">
              <span className="truncate" title={u.name}>{u.name}</span>
              <progress className="w-full" max={1} value={u.progress} aria-label={`Uploading ${u.name}`} />
              <Button size="sm" variant="ghost" onClick={() => u.abort.abort()}>
                Cancel
              </Button>
            </li>
          ))}
        </ul>
      )}
      {editingAlt && (
        <AltEditor media={media.find((m) => m.id === editingAlt)} onClose={() => setEditingAlt(null)}
          onSaved={(m) => {
            mediaRef.current = mediaRef.current.map((x) => (x.id === m.id ? m : x));
            onChange(mediaRef.current);
          }} />
      )}
      {(problems.length > 0 || rule) && (
        <ul role="alert" className="mt-1 space-y-0.5 text-sm font-medium text-red-800">
          {[...problems, ...(rule ? [rule] : [])].map((p, i) => (
            <li key={i}>{p}</li>
          ))}
        </ul>
      )}
      {!locked && (
        <div className="mt-2 flex flex-wrap items-center gap-2">
          <input
            ref={fileRef}
            id={`${ids}-file`}
            type="file"
            multiple
            accept={acceptAttr}
            className="sr-only"
            aria-label={`Add media to ${label}`}
            onChange={(e) => {
              add([...(e.target.files ?? [])]);
              e.target.value = "";
            }}
          />
          <Button size="sm" variant="secondary" onClick={() => fileRef.current?.click()}>
            Add media
          </Button>
          <Button size="sm" variant="ghost" onClick={() => setLibrary(true)}>
            From library
          </Button>
          <span className="text-xs text-slate-700">{ruleText} Or drop files here.</span>
        </div>
      )}
      {library && (
        <LibraryDialog
          workspaceId={workspaceId}
          attached={media}
          onClose={() => setLibrary(false)}
          onPick={(picked) => {
            const problem = partProblem([...media, ...picked].map((m) => m.kind));
            if (problem) {
              setProblems([problem]);
              return;
            }
            setProblems([]);
            onChange([...media, ...picked]);
            setLibrary(false);
          }}
        />
      )}
    </div>
  );
}

export function Thumb({ media, className }: { media: Media; className?: string }) {
  if (media.kind === Kind.VIDEO) {
    return (
      <video data-testid="media-video" src={media.contentUrl} preload="metadata" muted playsInline controls aria-label={media.altText || media.filename}
        className={cn("aspect-video w-full bg-black object-contain", className)} />
    );
  }
  return <img src={media.contentUrl} alt={media.altText || media.filename} loading="lazy" className={cn("aspect-video w-full object-cover", className)} />;
}

function AltEditor({ media, onClose, onSaved }: { media: Media | undefined; onClose: () => void; onSaved: (m: Media) => void }) {
  const id = useId();
  const [text, setText] = useState(media?.altText ?? "");
  const save = useMutation(MediaService.method.updateMedia);
  const [error, setError] = useState("");
  if (!media) return null;
  const chars = [...text].length;
  return (
    <div className="mt-2 rounded-lg border border-slate-300 p-2">
      <Label htmlFor={id}>Alt text for {media.filename}</Label>
      <Textarea id={id} rows={2} value={text} autoFocus onChange={(e) => setText(e.target.value)} aria-describedby={`${id}-hint`} />
      <p id={`${id}-hint`} className={cn("text-xs", chars > 1000 ? "font-semibold text-red-800" : "text-slate-700")}>
        Describe the {kindLabel(media.kind).toLowerCase()} for people who cannot see it. {chars}/1000
      </p>
      {error && <p role="alert" className="text-sm font-medium text-red-800">{error}</p>}
      <div className="mt-1 flex gap-2">
        <Button size="sm" disabled={save.isPending || chars > 1000}
          onClick={() => {
            save.mutateAsync({ id: media.id, altText: text }).then((r) => {
              if (r.media) onSaved(r.media);
              onClose();
            }, (e: unknown) => setError(errorMessage(e)));
          }}>
          {save.isPending ? "Saving…" : "Save alt text"}
        </Button>
        <Button size="sm" variant="ghost" onClick={onClose}>
          Cancel
        </Button>
      </div>
    </div>
  );
}

function LibraryDialog({ workspaceId, attached, onClose, onPick }: { workspaceId: string; attached: Media[]; onClose: () => void; onPick: (m: Media[]) => void }) {
  const q = useInfiniteQuery(MediaService.method.listMedia, { workspaceId, pageSize: 48, pageToken: "" },
    { pageParamKey: "pageToken", getNextPageParam: (r) => r.nextPageToken || undefined });
  const [picked, setPicked] = useState<Media[]>([]);
  const all = (q.data?.pages ?? []).flatMap((p) => p.media).filter((m) => !attached.some((a) => a.id === m.id));
  return (
    <Dialog open onOpenChange={(o) => !o && onClose()}>
      <DialogContent wide aria-describedby={undefined}>
        <DialogHeader onClose={onClose}>
          <DialogTitle>Media library</DialogTitle>
        </DialogHeader>
        <DialogBody>
          {q.isPending && <p className="text-sm text-slate-700">Loading…</p>}
          {q.isError && <p role="alert" className="text-sm text-red-800">Could not load the library: {errorMessage(q.error)}</p>}
          {q.isSuccess && all.length === 0 && <p className="text-sm text-slate-700">Nothing here yet: files you upload are kept here for other posts.</p>}
          <ul className="grid grid-cols-2 gap-3 sm:grid-cols-4">
            {all.map((m) => {
              const on = picked.some((p) => p.id === m.id);
              return (
                <li key={m.id}>
                  <button type="button" aria-pressed={on} onClick={() => setPicked((ps) => (on ? ps.filter((p) => p.id !== m.id) : [...ps, m]))}
                    className={cn("w-full overflow-hidden rounded-lg border-2 text-left focus-visible:outline-2 focus-visible:outline-sky-700", on ? "border-sky-700" : "border-slate-200")}>
                    {m.kind === Kind.VIDEO ? <div className="flex aspect-video items-center justify-center bg-slate-900 text-sm text-white">Video</div> : <Thumb media={m} />}
                    <span className="block truncate px-2 py-1 text-xs text-slate-800">{m.filename}</span>
                  </button>
                </li>
              );
            })}
          </ul>
          {q.hasNextPage && (
            <Button variant="secondary" className="mt-3" disabled={q.isFetchingNextPage} onClick={() => void q.fetchNextPage()}>
              {q.isFetchingNextPage ? "Loading…" : "Show more"}
            </Button>
          )}
        </DialogBody>
        <DialogFooter>
          <Button variant="ghost" onClick={onClose} className="mr-auto">
            Cancel
          </Button>
          <Button disabled={picked.length === 0} onClick={() => onPick(picked)}>
            Attach {picked.length || ""}
          </Button>
        </DialogFooter>
      </DialogContent>
    </Dialog>
  );
}

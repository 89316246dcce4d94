// Uploading files to the media library (CreateUpload, PUT with progress,
// CompleteUpload) and X's rules for them, checked here first so a person
// hears them before waiting for an upload. The server checks them again,
// from the bytes.
import { callUnaryMethod } from "@connectrpc/connect-query";
import { Kind, MediaService, type Media } from "../gen/betterplan/media/v1/media_pb";
import { errorMessage, transport } from "./api";

const MB = 1 << 20;

// accepted are the types X takes, with the largest file it takes of each.
const accepted: Record<string, { noun: string; max: number }> = {
  "image/jpeg": { noun: "images", max: 5 * MB },
  "image/png": { noun: "images", max: 5 * MB },
  "image/webp": { noun: "images", max: 5 * MB },
  "image/gif": { noun: "GIFs", max: 15 * MB },
  "video/mp4": { noun: "videos", max: 512 * MB },
  "video/quicktime": { noun: "videos", max: 512 * MB },
};

export const acceptAttr = Object.keys(accepted).join(",");

export const ruleText = "Up to 4 images, or 1 GIF, or 1 video per part.";

const mb = (n: number) => `${(n / MB).toFixed(1)} MB`;

// fileProblem says why X would refuse a file before it is sent, or "".
export function fileProblem(f: File): string {
  const a = accepted[f.type];
  if (!a) return `${f.name}: X takes JPEG, PNG, WEBP and GIF images and MP4 or MOV videos.`;
  if (f.size === 0) return `${f.name} is empty.`;
  if (f.size > a.max) return `${f.name} is ${mb(f.size)}: X takes ${a.noun} up to ${mb(a.max)}.`;
  return "";
}

// kindOfType guesses a file's kind from its type, for the rule check
// before upload (the server decides from the bytes; a still GIF counts as
// a GIF here and as an image there).
function kindOfType(type: string): Kind {
  if (type.startsWith("video/")) return Kind.VIDEO;
  if (type === "image/gif") return Kind.GIF;
  return Kind.IMAGE;
}

// partProblem says why X would refuse these files on one post, or "".
export function partProblem(kinds: Kind[]): string {
  const images = kinds.filter((k) => k === Kind.IMAGE).length;
  const others = kinds.length - images;
  if (others > 0 && kinds.length > 1) {
    return images > 0
      ? "X does not mix a GIF or video with images in one post: attach up to 4 images, or 1 GIF, or 1 video."
      : "X takes one GIF or video per post: put the others in their own parts.";
  }
  if (images > 4) return `X takes up to 4 images per post; this part has ${images}.`;
  return "";
}

// wouldFit says why adding files to a part's media would break X's rule, or "".
export function wouldFit(current: Media[], files: File[]): string {
  return partProblem([...current.map((m) => m.kind), ...files.map((f) => kindOfType(f.type))]);
}

// upload sends one file to the workspace's library and returns it ready.
export async function upload(workspaceId: string, file: File, onProgress: (fraction: number) => void, signal?: AbortSignal): Promise<Media> {
  const created = await callUnaryMethod(transport, MediaService.method.createUpload, {
    workspaceId, filename: file.name, contentType: file.type, sizeBytes: BigInt(file.size),
  }, { signal });
  const id = created.media?.id ?? "";
  await put(created.uploadUrl, file, onProgress, signal);
  const done = await callUnaryMethod(transport, MediaService.method.completeUpload, { id }, { signal });
  if (!done.media) throw new Error("the server returned no file");
  return done.media;
}

// put sends the bytes with XMLHttpRequest: fetch cannot report upload progress.
function put(url: string, file: File, onProgress: (fraction: number) => void, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open("PUT", url);
    xhr.withCredentials = true;
    xhr.setRequestHeader("Content-Type", "application/octet-stream");
    xhr.upload.onprogress = (e) => {
      if (e.lengthComputable) onProgress(e.loaded / e.total);
    };
    xhr.onload = () => {
      if (xhr.status >= 200 && xhr.status < 300) {
        onProgress(1);
        resolve();
        return;
      }
      let message = `the upload failed (HTTP ${xhr.status})`;
      try {
        const body = JSON.parse(xhr.responseText) as { message?: string };
        if (body.message) message = body.message;
      } catch {
        // not JSON: keep the status
      }
      reject(new Error(message));
    };
    xhr.onerror = () => reject(new Error("Could not reach BetterPlan. Check your connection and try again."));
    xhr.onabort = () => reject(new DOMException("The upload was cancelled.", "AbortError"));
    signal?.addEventListener("abort", () => xhr.abort(), { once: true });
    xhr.send(file);
  });
}

// uploadError is what to tell a person about a failed upload.
export function uploadError(e: unknown): string {
  if (e instanceof Error && !("code" in e)) return e.message.charAt(0).toUpperCase() + e.message.slice(1);
  return errorMessage(e);
}

export function kindLabel(k: Kind): string {
  return k === Kind.VIDEO ? "Video" : k === Kind.GIF ? "GIF" : "Image";
}

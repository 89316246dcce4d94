package e2e

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/dom"
	"github.com/chromedp/chromedp"
	"github.com/jackc/pgx/v5"

	"github.com/betterplan/betterplan/internal/mediainfo/mediatest"
)

// files writes media files for the browser to pick.
func files(t *testing.T, named map[string][]byte) map[string]string {
	t.Helper()
	dir := t.TempDir()
	out := map[string]string{}
	for name, data := range named {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, data, 0o600); err != nil {
			t.Fatal(err)
		}
		out[name] = p
	}
	return out
}

// attach picks files in the part's file chooser, as a person does.
func attach(b *browser, part string, paths ...string) {
	b.t.Helper()
	sel := fmt.Sprintf(`input[type=file][aria-label=%q]`, "Add media to "+part)
	byCSS := chromedp.ByFunc(func(ctx context.Context, t *chromedp.Target, n *chromedp.Node) ([]cdp.NodeID, error) {
		res, err := cdp.Call(ctx, t, dom.QuerySelectorAll, dom.QuerySelectorAllParams{NodeID: n.NodeID, Selector: sel})
		return res.NodeIDs, err
	})
	b.do("attach files to "+part, chromedp.SetUploadFiles(sel, paths, byCSS, chromedp.RetryInterval(50*time.Millisecond)))
}

// TestMedia: a post with two images (one described) and a thread whose
// second part is a video, made in the composer, go to the sandbox X with
// their media ids and alt text; X's rule is said before it is broken; the
// video is uploaded to X ahead of its post's time.
func TestMedia(t *testing.T) {
	s := startStack(t)
	b := newBrowser(t, s)
	signUp(b, s, "ada@example.com", "correct horse battery", "Ada Lovelace")
	connectX(b, "ada_x", true)
	b.waitVisible(roleMatching("link", `@ada_x`))
	f := files(t, map[string][]byte{
		"red.png":   mediatest.PNG(600, 400),
		"blue.jpg":  mediatest.JPEG(640, 360),
		"clip.mp4":  mediatest.MP4(2 << 20),
		"notes.txt": []byte("not a picture"),
	})

	b.click(role("button", "New post"))
	b.waitVisible(role("dialog", "New post"))
	b.fill(label("Post"), "two pictures, red and blue")
	attach(b, "the post", f["red.png"], f["blue.jpg"])
	b.waitVisible(role("image", "red.png"))
	b.waitVisible(role("image", "blue.jpg"))
	// The preview shows them as X will.
	preview := b.nodes(testID("x-preview"))[0]
	if n := len(b.nodes(role("image", "").with(chromedp.FromNode(preview), chromedp.AtLeast(0)))); n < 2 {
		b.fatalf("the preview shows %d images, want 2", n)
	}
	// X's rule, before any upload: no video beside images, no text files.
	attach(b, "the post", f["clip.mp4"])
	b.waitVisible(roleWithText("alert", "X does not mix a GIF or video with images"))
	attach(b, "the post", f["notes.txt"])
	b.waitVisible(roleWithText("alert", "X takes JPEG, PNG, WEBP and GIF images and MP4 or MOV videos"))

	b.click(role("button", "Alt text for red.png"))
	b.fill(label("Alt text for red.png"), "a red square")
	b.click(role("button", "Save alt text"))
	b.waitVisible(role("image", "a red square"))
	clickAndConfirm(b, role("button", "Publish now"), "Publish now")
	b.waitGone(role("dialog", "New post"))
	waitPost(b, s, "two pictures, red and blue", "published")

	// A thread: the video goes with part 2.
	b.click(role("button", "New post"))
	b.waitVisible(role("dialog", "New post"))
	b.fill(label("Post"), "a thread with a clip")
	// Part 1 takes the blue picture again, from the library.
	b.click(role("button", "From library"))
	b.waitVisible(role("dialog", "Media library"))
	b.click(roleMatching("button", `blue\.jpg`))
	b.click(role("button", "Attach 1"))
	b.waitGone(role("dialog", "Media library"))
	b.waitVisible(role("image", "blue.jpg"))
	b.click(role("button", "Add to thread"))
	b.fill(label("Part 2"), "here it is")
	attach(b, "part 2", f["clip.mp4"])
	waitFor(b, "the video's preview", stepTimeout, func() (bool, string) {
		return b.count(testID("media-video").with(chromedp.AtLeast(0))) > 0, "no video element yet"
	})
	b.click(role("button", "Schedule"))
	b.waitGone(role("dialog", "New post"))
	id := waitPost(b, s, "a thread with a clip", "scheduled")

	// Time passes: the post is due in 8 seconds. The publisher uploads the
	// video ahead, and at the time only names it.
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, s.DBURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	if _, err := conn.Exec(ctx, `UPDATE posts SET scheduled_at = now() + interval '8 seconds', due_at = now() + interval '8 seconds' WHERE id = $1`, id); err != nil {
		t.Fatal(err)
	}
	waitPost(b, s, "a thread with a clip", "published")
	var late time.Duration
	if err := conn.QueryRow(ctx, `SELECT extract(epoch FROM published_at - scheduled_at) * interval '1 second' FROM posts WHERE id = $1`, id).Scan(&late); err != nil {
		t.Fatal(err)
	}
	if late > 5*time.Second {
		b.errorf("thread", "published %s after its time: the video was not uploaded ahead", late)
	}

	home := sandboxPosts(t, s)
	for _, want := range []*regexp.Regexp{
		regexp.MustCompile(`media \d+ · alt text: a red square`),
		regexp.MustCompile(`here it is</p>\s*<div class="reply">media \d+(?s:.)*?a thread with a clip</p>\s*<div class="reply">media \d+`), // newest first
	} {
		if !want.MatchString(home) {
			b.fatalf("the sandbox's page lacks %s:\n%s", want, tail(home, 3000))
		}
	}
	if n := strings.Count(home, "media "); n != 4 {
		b.fatalf("the sandbox shows %d media, want 4 (two images, then one image and one video)", n)
	}

	// The published post shows its pictures in the app.
	b.click(role("link", "Posts"))
	item := postItem(b, "two pictures, red and blue")
	b.waitVisible(role("image", "a red square").with(chromedp.FromNode(b.nodes(item)[0])))
}

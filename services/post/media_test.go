package post_test

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"connectrpc.com/connect"

	mediav1 "github.com/betterplan/betterplan/gen/betterplan/media/v1"
	postv1 "github.com/betterplan/betterplan/gen/betterplan/post/v1"
	"github.com/betterplan/betterplan/internal/apitest"
	"github.com/betterplan/betterplan/internal/mediainfo/mediatest"
)

func (u *user) upload(name string, data []byte) string {
	u.t.Helper()
	ct := map[string]string{"png": "image/png", "gif": "image/gif", "mp4": "video/mp4"}[name[strings.LastIndex(name, ".")+1:]]
	return u.env.Upload(u.t, u.token, u.ws, name, ct, data).GetId()
}

func media(parts ...[]string) *postv1.PostMedia {
	pm := &postv1.PostMedia{}
	for _, ids := range parts {
		pm.Parts = append(pm.Parts, &postv1.PartMedia{MediaIds: ids})
	}
	return pm
}

func (u *user) tryCreate(req *postv1.CreatePostRequest) (*postv1.Post, error) {
	res, err := u.c.CreatePost(ctx, connect.NewRequest(req))
	if err != nil {
		return nil, err
	}
	return res.Msg.GetPost(), nil
}

// TestPostMedia: parts carry files by X's rule, checked at create and update.
func TestPostMedia(t *testing.T) {
	t.Parallel()
	env := apitest.Start(t, apitest.Options{})
	u := newUser(t, env, "ada@example.com", "ada_x")
	var imgs []string
	for i := range 5 {
		imgs = append(imgs, u.upload(fmt.Sprintf("p%d.png", i), mediatest.PNG(20+i, 20)))
	}
	gif := u.upload("spin.gif", mediatest.GIF(40, 40, 3))
	video := u.upload("clip.mp4", mediatest.MP4(50<<10))

	// Two images, alt text on one.
	if _, err := env.Media(u.token).UpdateMedia(ctx, connect.NewRequest(&mediav1.UpdateMediaRequest{Id: imgs[0], AltText: "a red square"})); err != nil {
		t.Fatal(err)
	}
	p := u.create(&postv1.CreatePostRequest{IntegrationId: u.integID, Content: text("two pictures"), When: at(u.in(time.Hour)),
		Media: media(imgs[:2])})
	if got := p.GetParts()[0].GetMediaIds(); fmt.Sprint(got) != fmt.Sprint(imgs[:2]) || len(p.GetMedia()) != 2 ||
		p.GetMedia()[0].GetAltText() != "a red square" || p.GetMedia()[1].GetFilename() != "p1.png" {
		t.Fatalf("post with two images: %v", p)
	}
	if got := u.get(p.GetId()); len(got.GetMedia()) != 2 || len(got.GetParts()[0].GetMediaIds()) != 2 {
		t.Fatalf("GetPost: %v", got)
	}
	// A file alone makes a post; a thread has one video in part 2.
	u.create(&postv1.CreatePostRequest{IntegrationId: u.integID, Content: text(""), When: draft(), Media: media([]string{gif})})
	th := u.create(&postv1.CreatePostRequest{IntegrationId: u.integID, Content: thread("first", "watch this", "last"), When: draft(),
		Media: media(nil, []string{video})})
	if len(th.GetParts()[0].GetMediaIds()) != 0 || th.GetParts()[1].GetMediaIds()[0] != video || len(th.GetParts()[2].GetMediaIds()) != 0 {
		t.Fatalf("thread media: %v", th.GetParts())
	}

	other := newUser(t, env, "eve@example.com", "eve_x")
	theirs := other.upload("theirs.png", mediatest.PNG(10, 10))
	for _, tc := range []struct {
		name  string
		req   *postv1.CreatePostRequest
		words string
	}{
		{"five images", &postv1.CreatePostRequest{Content: text("hi"), Media: media(imgs)}, "X takes up to 4 images per post, this has 5"},
		{"an image and a GIF", &postv1.CreatePostRequest{Content: text("hi"), Media: media([]string{imgs[0], gif})}, "X does not mix a GIF or video with images"},
		{"a GIF and a video", &postv1.CreatePostRequest{Content: text("hi"), Media: media([]string{gif, video})}, "one GIF or video per post, this has 2"},
		{"another person's file", &postv1.CreatePostRequest{Content: text("hi"), Media: media([]string{theirs})}, "not in this workspace's media library"},
		{"a file twice", &postv1.CreatePostRequest{Content: text("hi"), Media: media([]string{imgs[0], imgs[0]})}, "the same file twice"},
		{"media for more parts", &postv1.CreatePostRequest{Content: text("hi"), Media: media(nil, imgs[:1])}, "media for 2 parts but the post has 1"},
		{"no text, no media", &postv1.CreatePostRequest{Content: text("")}, "empty"},
		{"a thread part with neither", &postv1.CreatePostRequest{Content: thread("a", ""), Media: media(imgs[:1])}, "thread.parts[1]"},
	} {
		tc.req.IntegrationId, tc.req.When = u.integID, draft()
		_, err := u.tryCreate(tc.req)
		wantCode(t, err, connect.CodeInvalidArgument, tc.words)
	}

	// Updates: unset keeps, set replaces, an empty one removes.
	kept, err := u.update(&postv1.UpdatePostRequest{Id: p.GetId(), Version: p.GetVersion(), Content: &postv1.UpdatePostRequest_Text{Text: "new words"}})
	if err != nil || len(kept.GetParts()[0].GetMediaIds()) != 2 {
		t.Fatalf("text edit keeps the media: %v %v", kept, err)
	}
	swapped, err := u.update(&postv1.UpdatePostRequest{Id: p.GetId(), Version: kept.GetVersion(), Media: media([]string{video})})
	if err != nil || fmt.Sprint(swapped.GetParts()[0].GetMediaIds()) != fmt.Sprint([]string{video}) {
		t.Fatalf("media replaced: %v %v", swapped, err)
	}
	_, err = u.update(&postv1.UpdatePostRequest{Id: p.GetId(), Version: swapped.GetVersion(), Media: media(append(imgs[:1:1], video))})
	wantCode(t, err, connect.CodeInvalidArgument, "does not mix")
	bare, err := u.update(&postv1.UpdatePostRequest{Id: p.GetId(), Version: swapped.GetVersion(), Media: &postv1.PostMedia{}})
	if err != nil || len(bare.GetParts()[0].GetMediaIds()) != 0 || len(bare.GetMedia()) != 0 {
		t.Fatalf("media removed: %v %v", bare, err)
	}
	// A thread cut to one part keeps only that part's files.
	short, err := u.update(&postv1.UpdatePostRequest{Id: th.GetId(), Version: th.GetVersion(),
		Content: &postv1.UpdatePostRequest_Thread{Thread: &postv1.Thread{Parts: []string{"one", "two"}}}})
	if err != nil || short.GetParts()[1].GetMediaIds()[0] != video {
		t.Fatalf("thread shortened: %v %v", short, err)
	}
}

// TestDeleteMediaInUse: a file used by a post not yet on X cannot be
// deleted, even when the two race.
func TestDeleteMediaInUse(t *testing.T) {
	t.Parallel()
	env := apitest.Start(t, apitest.Options{})
	u := newUser(t, env, "ada@example.com", "ada_x")
	mc := env.Media(u.token)
	img := u.upload("cat.png", mediatest.PNG(30, 30))
	p := u.create(&postv1.CreatePostRequest{IntegrationId: u.integID, Content: text("cat"), When: at(u.in(time.Hour)), Media: media([]string{img})})
	_, err := mc.DeleteMedia(ctx, connect.NewRequest(&mediav1.DeleteMediaRequest{Id: img}))
	wantCode(t, err, connect.CodeFailedPrecondition, "cat.png is used by 1 post not yet on X")
	// Published posts keep it on X: the file may go.
	setPost(t, env, p.GetId(), "status = 'published', due_at = NULL, published_at = now()")
	if _, err := mc.DeleteMedia(ctx, connect.NewRequest(&mediav1.DeleteMediaRequest{Id: img})); err != nil {
		t.Fatalf("deleting a file only published posts used: %v", err)
	}
	if got := u.get(p.GetId()); len(got.GetMedia()) != 0 || len(got.GetParts()[0].GetMediaIds()) != 1 {
		t.Fatalf("the published post names the deleted file but has no Media for it: %v", got)
	}

	// Delete and attach at once, 20 times: never a post with a deleted file.
	for i := range 20 {
		id := u.upload(fmt.Sprintf("race%d.png", i), mediatest.PNG(10, 10))
		var wg sync.WaitGroup
		var post *postv1.Post
		var perr, derr error
		wg.Add(2)
		go func() {
			defer wg.Done()
			post, perr = u.tryCreate(&postv1.CreatePostRequest{IntegrationId: u.integID, Content: text(fmt.Sprintf("race %d", i)), When: draft(), Media: media([]string{id})})
		}()
		go func() {
			defer wg.Done()
			_, derr = mc.DeleteMedia(ctx, connect.NewRequest(&mediav1.DeleteMediaRequest{Id: id}))
		}()
		wg.Wait()
		switch {
		case perr == nil && derr == nil:
			t.Fatalf("round %d: the post %s was created with a file that was deleted", i, post.GetId())
		case perr != nil && derr != nil:
			t.Fatalf("round %d: both failed: %v / %v", i, perr, derr)
		case perr != nil && connect.CodeOf(perr) != connect.CodeInvalidArgument:
			t.Fatalf("round %d: create: %v", i, perr)
		case derr != nil && connect.CodeOf(derr) != connect.CodeFailedPrecondition:
			t.Fatalf("round %d: delete: %v", i, derr)
		}
	}
}

// TestValidatePostMedia: ValidatePost reports media problems beside text ones.
func TestValidatePostMedia(t *testing.T) {
	t.Parallel()
	env := apitest.Start(t, apitest.Options{})
	u := newUser(t, env, "ada@example.com", "ada_x")
	other := newUser(t, env, "eve@example.com", "eve_x")
	img := u.upload("a.png", mediatest.PNG(10, 10))
	video := u.upload("v.mp4", mediatest.MP4(20<<10))
	theirs := other.upload("b.png", mediatest.PNG(10, 10))
	validate := func(text string, ids ...string) *postv1.ValidatePostResponse {
		res, err := u.c.ValidatePost(ctx, connect.NewRequest(&postv1.ValidatePostRequest{Text: text, MediaIds: ids}))
		if err != nil {
			t.Fatal(err)
		}
		return res.Msg
	}
	codes := func(r *postv1.ValidatePostResponse) string {
		var out []string
		for _, p := range r.GetProblems() {
			out = append(out, p.GetCode())
		}
		return strings.Join(out, ",")
	}
	if r := validate("", img); !r.GetValid() {
		t.Fatalf("an image alone: %v", r)
	}
	if r := validate("hi", img, video); r.GetValid() || codes(r) != "mixed_media" {
		t.Fatalf("image and video: %v", r)
	}
	if r := validate("", theirs); r.GetValid() || codes(r) != "media_not_found" {
		t.Fatalf("another person's file: %v", r)
	}
	if r := validate(strings.Repeat("x", 300), img, img, img, img, img); codes(r) != "too_long,too_many_media" {
		t.Fatalf("long text and five images: %v", r)
	}
}

func draft() *postv1.CreatePostRequest_Draft { return &postv1.CreatePostRequest_Draft{Draft: true} }

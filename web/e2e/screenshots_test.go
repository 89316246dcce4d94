package e2e

import (
	"context"
	"time"

	"connectrpc.com/connect"
	"github.com/chromedp/chromedp"
	"google.golang.org/protobuf/types/known/timestamppb"

	postv1 "github.com/betterplan/betterplan/gen/betterplan/post/v1"
)

// seedForScreenshots gives the README's screenshots a week that looks used:
// a few more scheduled posts and threads in the coming days, and a draft,
// made through the api as the signed-up person (only when screenshots are
// asked for; the flow itself does not need them).
func seedForScreenshots(b *browser, email, password string) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	api := signInAPI(b, b.s, email, password)
	account := api.firstAccount(b)
	posts := api.posts
	day := func(d, h, m int) *timestamppb.Timestamp {
		y, mo, dd := time.Now().AddDate(0, 0, d).Date()
		return timestamppb.New(time.Date(y, mo, dd, h, m, 0, 0, time.Local))
	}
	seed := []struct {
		parts []string
		when  *timestamppb.Timestamp // nil: a draft
	}{
		{[]string{"Shipping today: the calendar now moves posts by drag and drop. Drag a post to another day and its time of day stays."}, day(1, 9, 30)},
		{[]string{"A thread on scheduling well, 1/3: write when you have something to say, publish when people are there to read it.",
			"2/3: a calendar makes the gaps visible. An empty Thursday is a decision, not an accident.",
			"3/3: and when X says no, you should see exactly why, in words, not a code."}, day(2, 14, 0)},
		{[]string{"Reading list for the weekend: the Analytical Engine notes, annotated."}, day(3, 11, 15)},
		{[]string{"Office hours on Friday at 4 PM: bring your questions about threads."}, day(1, 16, 0)},
		{[]string{"Draft: what I learned from a year of scheduled posts."}, nil},
	}
	for _, p := range seed {
		req := &postv1.CreatePostRequest{IntegrationId: account}
		if len(p.parts) == 1 {
			req.Content = &postv1.CreatePostRequest_Text{Text: p.parts[0]}
		} else {
			req.Content = &postv1.CreatePostRequest_Thread{Thread: &postv1.Thread{Parts: p.parts}}
		}
		if p.when != nil {
			req.When = &postv1.CreatePostRequest_ScheduledTime{ScheduledTime: p.when}
		} else {
			req.When = &postv1.CreatePostRequest_Draft{Draft: true}
		}
		if _, err := posts.CreatePost(ctx, connect.NewRequest(req)); err != nil {
			b.fatalf("screenshots: create a post: %v", err)
		}
	}
}

// dismissToasts closes the notifications still showing, so screenshots
// show the page.
func (b *browser) dismissToasts() {
	b.t.Helper()
	dismiss := role("button", "Dismiss").with(chromedp.NodeVisible)
	for range 10 {
		if b.count(role("button", "Dismiss")) == 0 {
			break
		}
		b.click(dismiss)
		time.Sleep(300 * time.Millisecond) // the toast slides out
	}
}

// scrollTo scrolls a node to the middle of its scrolling box.
func (b *browser) scrollTo(n *chromedp.Node) {
	b.t.Helper()
	callOn[chromedp.Void](b, n, `function() { this.scrollIntoView({ block: "center" }) }`)
	time.Sleep(200 * time.Millisecond)
}

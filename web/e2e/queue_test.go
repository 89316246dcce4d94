package e2e

import (
	"context"
	"regexp"
	"strings"
	"testing"

	"connectrpc.com/connect"
	"github.com/chromedp/chromedp"

	postv1 "github.com/betterplan/betterplan/gen/betterplan/post/v1"
)

// queueSlots is the text of each slot of the queue, in order.
func queueSlots(b *browser) []string {
	b.t.Helper()
	var out []string
	for _, n := range b.nodes(testID("queue-slot").with(chromedp.AtLeast(0))) {
		out = append(out, strings.Join(strings.Fields(callOn[string](b, n, `function() { return this.innerText }`)), " "))
	}
	return out
}

// TestQueue: posting times set in Berlin; one post added to the queue and
// one shared next from the composer; the queue shows them with the empty
// times after; a move swaps them; pausing holds them and resuming puts them
// back in order.
func TestQueue(t *testing.T) {
	s := startStack(t)
	b := newBrowser(t, s)
	signUp(b, s, "ada@example.com", "correct horse battery", "Ada Lovelace")
	connectX(b, "ada_x", true)
	b.waitVisible(roleMatching("link", `@ada_x`))

	b.click(role("link", "Queue"))
	b.waitVisible(role("heading", "Posting times"))
	setInput(b, label("Time zone"), "Europe/Berlin")
	setInput(b, label("Time"), "09:00")
	b.click(role("button", "Add to every day"))
	setInput(b, label("Time"), "17:30")
	b.click(role("button", "Add to every day"))
	b.click(role("button", "Save posting times"))
	b.waitVisible(roleWithText("status", "Posting times saved"))
	waitFor(b, "the coming times", stepTimeout, func() (bool, string) {
		slots := queueSlots(b)
		return len(slots) == 28 && strings.Contains(slots[0], "Empty"), strings.Join(slots, " | ")
	})

	compose := func(text, button, toast string) {
		b.click(role("button", "New post"))
		b.waitVisible(role("dialog", "New post"))
		b.fill(label("Post"), text)
		b.click(role("button", button))
		b.waitGone(role("dialog", "New post"))
		b.waitVisible(roleWithText("status", toast))
	}
	compose("the first post in the queue", "Add to queue", "Added to the queue: ")
	compose("this one jumps the queue", "Share next", "First in the queue: ")

	var slots []string
	waitFor(b, "both posts in the queue", stepTimeout, func() (bool, string) {
		slots = queueSlots(b)
		return len(slots) > 3 && strings.Contains(slots[0], "this one jumps the queue") && strings.Contains(slots[1], "the first post in the queue") &&
			strings.Contains(slots[2], "Empty"), strings.Join(slots[:min(4, len(slots))], " | ")
	})
	times := regexp.MustCompile(`, (09:00|17:30) `)
	for i, sl := range slots[:4] {
		if !times.MatchString(sl + " ") {
			b.fatalf("slot %d is not at 09:00 or 17:30 Berlin: %q", i, sl)
		}
	}

	b.click(roleMatching("button", `^Move down: this one jumps`))
	waitFor(b, "the two swapped", stepTimeout, func() (bool, string) {
		slots = queueSlots(b)
		return strings.Contains(slots[0], "the first post in the queue") && strings.Contains(slots[1], "this one jumps the queue"), strings.Join(slots[:2], " | ")
	})

	b.click(role("button", "Pause queue"))
	b.waitVisible(roleWithText("status", "Queue paused"))
	waitFor(b, "the paused queue holding both posts", stepTimeout, func() (bool, string) {
		text := run(b, "read the page", chromedp.Evaluate[string](`document.body.innerText`))
		return strings.Contains(text, "2 posts wait in the queue, in order") && len(queueSlots(b)) == 0, "not yet"
	})
	b.click(role("button", "Resume queue"))
	b.waitVisible(roleWithText("status", "Queue resumed"))
	waitFor(b, "the order kept after resuming", stepTimeout, func() (bool, string) {
		slots = queueSlots(b)
		return len(slots) > 1 && strings.Contains(slots[0], "the first post in the queue") && strings.Contains(slots[1], "this one jumps the queue"), strings.Join(slots[:min(2, len(slots))], " | ")
	})

	// A recurring post from the composer: its text must vary.
	b.click(role("button", "New post"))
	b.waitVisible(role("dialog", "New post"))
	b.fill(label("Post"), "Weekly tip")
	b.click(role("checkbox", "Repeat this post on a schedule"))
	setInput(b, label("At"), "10:15")
	b.click(role("button", "Start repeating"))
	b.waitVisible(roleWithText("alert", `put \{date\} or \{n\} in the text`))
	b.fill(label("Post"), "Weekly tip for {date}")
	b.click(role("button", "Start repeating"))
	b.waitGone(role("dialog", "New post"))
	b.waitVisible(roleWithText("status", "Repeating: first on "))
	b.waitVisible(roleWithText("listitem", `(?s)Weekly tip for \{date\}.*Every week on Mon at 10:15`))
	api := signInAPI(b, s, "ada@example.com", "correct horse battery")
	list, err := api.series.ListSeries(context.Background(), connect.NewRequest(&postv1.ListSeriesRequest{WorkspaceId: api.workspace(b)}))
	if err != nil || len(list.Msg.GetSeries()) != 1 {
		b.fatalf("series: %v %v", list, err)
	}
	got, err := api.series.GetSeries(context.Background(), connect.NewRequest(&postv1.GetSeriesRequest{Id: list.Msg.GetSeries()[0].GetId()}))
	if err != nil || len(got.Msg.GetComing()) != 2 || !strings.HasPrefix(got.Msg.GetComing()[0].GetParts()[0].GetText(), "Weekly tip for Monday ") {
		b.fatalf("the series' coming posts: %v %v", got, err)
	}

	// An evergreen post into the queue: its {n} is filled in.
	b.click(role("button", "New post"))
	b.waitVisible(role("dialog", "New post"))
	b.fill(label("Post"), "Evergreen reminder number {n}")
	b.click(role("checkbox", "Evergreen: back to the end of the queue after it goes out, at most every"))
	b.click(role("button", "Add to queue"))
	b.waitGone(role("dialog", "New post"))
	b.waitVisible(roleWithText("status", "Added to the queue: "))
	waitFor(b, "the evergreen post in the queue", stepTimeout, func() (bool, string) {
		slots = queueSlots(b)
		for _, sl := range slots {
			if strings.Contains(sl, "Evergreen reminder number 1") {
				return true, ""
			}
		}
		return false, strings.Join(slots[:min(4, len(slots))], " | ")
	})

	// Stopping the series deletes its coming posts (the toasts, which
	// would cover its button, dismissed first).
	waitFor(b, "the toasts dismissed", stepTimeout, func() (bool, string) {
		if b.count(role("button", "Dismiss")) == 0 {
			return true, ""
		}
		b.click(role("button", "Dismiss"))
		return false, "toasts left"
	})
	clickAndConfirm(b, role("button", "Stop"), "Stop")
	b.waitVisible(roleWithText("status", "Recurring post stopped"))
	got, err = api.series.GetSeries(context.Background(), connect.NewRequest(&postv1.GetSeriesRequest{Id: list.Msg.GetSeries()[0].GetId()}))
	if connect.CodeOf(err) != connect.CodeNotFound {
		b.fatalf("a stopped series: %v %v", got, err)
	}
}

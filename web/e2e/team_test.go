package e2e

import (
	"net/url"
	"regexp"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestTeam: an owner invites a writer by link; the writer signs up from the
// link, joins, switches workspaces, and submits a post for approval (the
// composer has no "Publish now" for them); the owner sends it back with a
// reason, the writer changes and resubmits it, the owner approves it; then
// the owner changes the writer's role and removes them.
func TestTeam(t *testing.T) {
	s := startStack(t)
	b := newBrowser(t, s)
	const pw = "correct horse battery"
	signUp(b, s, "ada@example.com", pw, "Ada Lovelace")
	connectX(b, "ada_team", true)
	b.waitVisible(roleMatching("link", `@ada_team`))

	// --- invite a writer; without SMTP the page shows the link ---
	b.click(role("link", "Team"))
	b.waitURL(`/app/team`)
	b.fill(label("Email"), "grace@example.com")
	setInput(b, label("Role"), "4") // Role.WRITER
	b.click(role("button", "Invite"))
	b.waitVisible(label("Invitation link"))
	link := callOn[string](b, b.nodes(label("Invitation link"))[0], `function() { return this.value }`)
	if u, err := url.Parse(link); err != nil || u.Path != "/app/join" || u.Query().Get("token") == "" {
		b.fatalf("the invitation link is %q", link)
	}
	b.waitVisible(roleWithText("listitem", `grace@example\.com as writer`))
	b.checkA11y("team page (owner)")
	// A second invitation, withdrawn.
	b.dismissToasts()
	b.fill(label("Email"), "nobody@example.com")
	b.click(role("button", "Invite"))
	b.waitVisible(roleWithText("listitem", `nobody@example\.com`))
	b.click(role("button", "Withdraw the invitation for nobody@example.com"))
	b.waitGone(roleWithText("listitem", `nobody@example\.com`))
	signOut(b)

	// --- the writer opens the link, signs up, and joins ---
	b.navigate(link)
	b.waitURL(`/app/signin`)
	b.click(role("link", createAccount))
	b.waitURL(`/app/signup`)
	b.fill(label("Email"), "grace@example.com")
	b.fill(label("Password"), pw)
	b.fill(label("Display name"), "Grace Hopper")
	b.click(role("button", createAccount))
	b.waitURL(`/app/join`)
	b.waitVisible(roleWithText("paragraph", `Ada Lovelace invited grace@example\.com to Ada Lovelace as writer`))
	b.checkA11y("join page")
	b.click(roleMatching("button", `^Join `))
	b.waitURL(`/app/calendar`)
	// Two workspaces now: the switcher shows Ada's.
	switcher := label("Workspace")
	b.waitVisible(switcher)
	if v := selectedText(b, switcher); !regexp.MustCompile(`^Ada Lovelace · Writer$`).MatchString(v) {
		b.fatalf("the workspace switcher shows %q, want Ada's workspace as writer", v)
	}

	// --- the writer's composer submits for approval ---
	b.click(role("button", "New post"))
	b.waitVisible(role("dialog", "New post"))
	if b.count(role("button", "Publish now").with(chromedp.AtLeast(0))) != 0 {
		b.fatalf("a writer's composer offers Publish now")
	}
	const draft = "We launch next week. Details soon."
	b.fill(label("Post"), draft)
	when := time.Now().Add(3 * time.Hour).Truncate(time.Minute)
	setInput(b, label("Publish at"), when.Local().Format("2006-01-02T15:04"))
	b.click(role("button", "Submit for approval"))
	b.waitGone(role("dialog", "New post"))
	waitPost(b, s, draft, "pending_approval")
	// The writer's own workspace is there too, empty.
	setInput(b, switcher, personalOption(b, switcher))
	b.click(role("link", "Posts"))
	b.waitURL(`/app/posts`)
	b.waitVisible(roleWithText("paragraph", `Nothing is scheduled`))
	if b.count(roleWithText("article", regexp.QuoteMeta(draft)).with(chromedp.AtLeast(0))) != 0 {
		b.fatalf("the post shows in the writer's personal workspace")
	}
	signOut(b)

	// --- the owner sends it back with a reason ---
	signIn(b, s, "ada@example.com", pw)
	b.click(role("link", "Posts"))
	b.waitURL(`/app/posts`)
	b.waitVisible(roleWithText("heading", `Awaiting approval`))
	item := postItem(b, draft)
	b.checkA11y("posts awaiting approval")
	b.click(role("button", "Send back").with(chromedp.FromNode(b.nodes(item)[0])))
	b.fill(label("What should the writer change?"), "Say the date of the launch.")
	b.click(role("button", "Send back to the writer"))
	waitPost(b, s, draft, "draft")
	signOut(b)

	// --- the writer reads why, changes it and resubmits ---
	signIn(b, s, "grace@example.com", pw)
	// This browser remembers her last workspace (her own): back to Ada's.
	setInput(b, switcher, optionMatching(b, switcher, `^Ada Lovelace · Writer$`))
	b.click(role("link", "Posts"))
	item = postItem(b, draft)
	b.waitVisible(roleWithText("paragraph", `Sent back by Ada Lovelace: Say the date of the launch\.`).with(chromedp.FromNode(b.nodes(item)[0])))
	b.click(role("button", "Edit").with(chromedp.FromNode(b.nodes(item)[0])))
	edited := "We launch on 10 December. Details soon."
	b.waitVisible(label("Post"))
	b.fill(label("Post"), edited)
	setInput(b, label("Publish at"), when.Local().Format("2006-01-02T15:04"))
	b.click(role("button", "Submit for approval"))
	waitPost(b, s, edited, "pending_approval")
	// The post's dialog shows it again, with what happened to it.
	b.waitVisible(roleWithText("listitem", `Ada Lovelace sent it back: “Say the date of the launch\.”`))
	b.checkA11y("post dialog with activity")
	// Escape closes the dialog, though a toast is showing.
	b.do("close the dialog", chromedp.KeyEvent("\x1b"))
	b.waitGone(role("dialog", ""))
	signOut(b)

	// --- the owner approves; it is scheduled at the writer's time ---
	signIn(b, s, "ada@example.com", pw)
	b.click(role("link", "Posts"))
	item = postItem(b, edited)
	b.click(role("button", "Approve").with(chromedp.FromNode(b.nodes(item)[0])))
	id := waitPost(b, s, edited, "scheduled")
	if at := scheduledAt(b, s, id); !at.Equal(when) {
		b.fatalf("approved for %s, want the time the writer asked for, %s", at.Local(), when.Local())
	}

	// --- roles: the writer becomes an editor, then leaves the team ---
	b.click(role("link", "Team"))
	b.waitURL(`/app/team`)
	setInput(b, label("Role of Grace Hopper"), "3") // Role.EDITOR
	b.waitVisible(roleWithText("status", `Grace Hopper is now editor`))
	b.dismissToasts()
	clickAndConfirm(b, role("button", "Remove Grace Hopper"), "Remove")
	b.waitGone(role("button", "Remove Grace Hopper"))
	b.checkA11y("team page after removing a member")
}

// selectedText is the text of a select's chosen option.
func selectedText(b *browser, e el) string {
	b.t.Helper()
	return callOn[string](b, b.nodes(e)[0], `function() { return this.options[this.selectedIndex].text }`)
}

// optionMatching is the value of the select's option whose text matches re.
func optionMatching(b *browser, e el, re string) string {
	b.t.Helper()
	v := callOn[string](b, b.nodes(e)[0], `function(re) { const o = [...this.options].find((o) => new RegExp(re).test(o.text)); return o ? o.value : "" }`, re)
	if v == "" {
		b.fatalf("no option matching %s", re)
	}
	return v
}

// personalOption is the value of the switcher's personal workspace.
func personalOption(b *browser, e el) string {
	b.t.Helper()
	return callOn[string](b, b.nodes(e)[0], `function() { return [...this.options].find((o) => o.text.includes("(personal)")).value }`)
}

func signOut(b *browser) {
	b.t.Helper()
	b.click(role("button", "Sign out"))
	b.waitURL(`/app/signin`)
}

func signIn(b *browser, s *stack, email, password string) {
	b.t.Helper()
	b.navigate(s.AppURL + "/app/signin")
	b.waitVisible(label("Email"))
	b.fill(label("Email"), email)
	b.fill(label("Password"), password)
	b.click(role("button", "Sign in"))
	b.waitURL(`/app/calendar`)
}

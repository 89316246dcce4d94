package e2e

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/accessibility"
	"github.com/chromedp/cdproto/cdp"
	jsonv2 "github.com/chromedp/cdproto/cdp/jsonv2"
	"github.com/chromedp/cdproto/dom"
	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

// stepTimeout bounds one step (a click, a wait) unless the step says otherwise.
const stepTimeout = 10 * time.Second

var (
	chromiumOnce sync.Once
	chromiumPath string
	chromiumErr  error
)

// chromium is the path of Debian's Chromium, installed by scripts/chromium.sh
// (apt-get, as root) when it is missing. No browser comes from anywhere else,
// and a missing one fails the test: it never skips.
func chromium(t testing.TB) string {
	t.Helper()
	chromiumOnce.Do(func() {
		path := os.Getenv("CHROMIUM")
		if path == "" {
			path = "/usr/bin/chromium"
		}
		if isExecutable(path) {
			chromiumPath = path
			return
		}
		cmd := exec.Command(filepath.Join(repoRoot, "scripts", "chromium.sh"))
		cmd.Dir = repoRoot
		var stderr strings.Builder
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		path = strings.TrimSpace(string(out))
		if err != nil || !isExecutable(path) {
			chromiumErr = fmt.Errorf("Chromium is missing and scripts/chromium.sh could not install it (%v): %s\n"+
				"Install Debian's chromium package (sudo apt-get install chromium) or set CHROMIUM to a Chromium binary",
				err, tail(stderr.String(), 15))
			return
		}
		chromiumPath = path
	})
	if chromiumErr != nil {
		t.Fatal(chromiumErr)
	}
	return chromiumPath
}

func isExecutable(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && !fi.IsDir() && fi.Mode()&0o111 != 0
}

var (
	axeOnce   sync.Once
	axeSource string
	axeErr    error
)

// axeScript is axe-core's browser bundle from web/e2e/node_modules, which
// `npm ci` installs (from package-lock.json) when it is missing.
func axeScript(t testing.TB) string {
	t.Helper()
	axeOnce.Do(func() {
		path := filepath.Join("node_modules", "axe-core", "axe.min.js")
		if _, err := os.Stat(path); err != nil {
			cmd := exec.Command("npm", "ci", "--no-audit", "--no-fund")
			if out, err := cmd.CombinedOutput(); err != nil {
				axeErr = fmt.Errorf("axe-core is missing and `npm ci` in web/e2e failed: %v\n%s", err, tail(string(out), 15))
				return
			}
		}
		b, err := os.ReadFile(path)
		if err != nil {
			axeErr = fmt.Errorf("axe-core: %v (run `npm ci` in web/e2e)", err)
			return
		}
		axeSource = string(b)
	})
	if axeErr != nil {
		t.Fatal(axeErr)
	}
	return axeSource
}

// browser is one Chromium (its own profile) with one tab, driven by a test.
type browser struct {
	t     *testing.T
	s     *stack
	tab   context.Context // the tab, without a deadline (failure reports use it)
	ctx   context.Context // the tab with the test's deadline
	name  string          // the test's name, for files
	saved string          // the failure directory, once made

	mu      sync.Mutex
	console []string
	dialogs []string // messages of the JavaScript dialogs accepted
}

// newBrowser starts headless Chromium for the test; it is closed (after a
// failure report, when the test failed) when the test ends.
func newBrowser(t *testing.T, s *stack) *browser {
	t.Helper()
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chromium(t)),
		chromedp.Flag("headless", os.Getenv("BETTERPLAN_E2E_VISIBLE") != "1"),
		chromedp.NoSandbox, // as root, and in containers without user namespaces
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-extensions", true),
		chromedp.Flag("disable-default-apps", true),
		chromedp.Flag("disable-features", "Translate,OptimizationHints,MediaRouter"),
		chromedp.Flag("hide-scrollbars", true),
		chromedp.Flag("mute-audio", true),
		chromedp.Flag("lang", "en-US"),
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 800),
		chromedp.Env("LANG=en_US.UTF-8"),
	}
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	tab, cancelTab := chromedp.NewContext(allocCtx)
	b := &browser{t: t, s: s, tab: tab, name: strings.NewReplacer("/", "_", " ", "_").Replace(t.Name())}
	// The first Do starts the browser and binds its life to the context it
	// gets, so it gets tab itself; a browser that does not start in 30 s is
	// stopped by cancelling tab.
	started := make(chan error, 1)
	go func() { started <- chromedp.Do(tab) }()
	var err error
	select {
	case err = <-started:
	case <-time.After(30 * time.Second):
		err = errors.New("no answer in 30s")
	}
	if err != nil {
		cancelTab()
		cancelAlloc()
		t.Fatalf("start Chromium (%s): %v", chromium(t), err)
	}
	// A fixed viewport, whatever the window around it: the same layout on
	// every machine, and the README's screenshots at 1280×800.
	if err := chromedp.Do(tab, chromedp.EmulateViewport(1280, 800)); err != nil {
		cancelTab()
		cancelAlloc()
		t.Fatalf("set the viewport: %v", err)
	}
	deadline, ok := t.Deadline()
	if !ok {
		deadline = time.Now().Add(5 * time.Minute)
	}
	var cancelCtx context.CancelFunc
	b.ctx, cancelCtx = context.WithDeadline(tab, deadline.Add(-5*time.Second))
	t.Cleanup(func() {
		if t.Failed() {
			b.saveFailure("end")
		}
		cancelCtx()
		cancelTab()
		cancelAlloc()
	})

	// The page's console and uncaught exceptions, for failure reports.
	messages := chromedp.Console(tab)
	go func() {
		for m, err := range messages {
			if err != nil {
				return
			}
			b.mu.Lock()
			b.console = append(b.console, fmt.Sprintf("%s %s:%d %s", m.Type, m.URL, m.Line+1, m.String()))
			b.mu.Unlock()
		}
	}()
	// confirm() and alert() are accepted, and their messages kept.
	dialogs := chromedp.Events(tab, page.JavascriptDialogOpening)
	go func() {
		for ev, err := range dialogs {
			if err != nil {
				return
			}
			b.mu.Lock()
			b.dialogs = append(b.dialogs, ev.Message)
			b.mu.Unlock()
			_, _ = chromedp.Call(tab, page.HandleJavaScriptDialog, page.HandleJavaScriptDialogParams{Accept: true})
		}
	}()
	return b
}

// fatalf saves a failure report (screenshot, HTML, console, logs) and ends
// the test with a message naming where it is.
func (b *browser) fatalf(format string, args ...any) {
	b.t.Helper()
	dir := b.saveFailure("failure")
	b.t.Fatalf("%s\n(screenshot, page HTML, console and process logs in %s)", fmt.Sprintf(format, args...), dir)
}

// errorf is fatalf that lets the test go on.
func (b *browser) errorf(step, format string, args ...any) {
	b.t.Helper()
	dir := b.saveFailure(step)
	b.t.Errorf("%s\n(screenshot and page HTML in %s)", fmt.Sprintf(format, args...), dir)
}

// failureDir is where failure reports go: BETTERPLAN_E2E_FAILURES or
// web/e2e/failures/, one directory per test run.
func (b *browser) failureDir() string {
	if b.saved != "" {
		return b.saved
	}
	root := os.Getenv("BETTERPLAN_E2E_FAILURES")
	if root == "" {
		root = "failures"
	}
	root, _ = filepath.Abs(root)
	dir := filepath.Join(root, b.name+"-"+time.Now().Format("20060102-150405"))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		dir = filepath.Join(os.TempDir(), "betterplan-e2e-"+b.name)
		_ = os.MkdirAll(dir, 0o755)
	}
	b.saved = dir
	return dir
}

// saveFailure writes <step>.png, <step>.html (and the url), the console and
// each process's log into the failure directory, and returns it.
func (b *browser) saveFailure(step string) string {
	dir := b.failureDir()
	ctx, cancel := context.WithTimeout(b.tab, 10*time.Second)
	defer cancel()
	var problems []string
	if png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot()); err == nil {
		_ = os.WriteFile(filepath.Join(dir, step+".png"), png, 0o644)
	} else {
		problems = append(problems, "screenshot: "+err.Error())
	}
	url, _ := chromedp.Run(ctx, chromedp.Location())
	if html, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.documentElement.outerHTML`)); err == nil {
		_ = os.WriteFile(filepath.Join(dir, step+".html"), []byte("<!-- "+url+" -->\n"+html), 0o644)
	} else {
		problems = append(problems, "html: "+err.Error())
	}
	b.mu.Lock()
	console := strings.Join(b.console, "\n")
	b.mu.Unlock()
	_ = os.WriteFile(filepath.Join(dir, "console.log"), []byte(console+"\n"), 0o644)
	if b.s != nil {
		for name, log := range b.s.logs() {
			_ = os.WriteFile(filepath.Join(dir, name+".log"), []byte(log), 0o644)
		}
	}
	if len(problems) > 0 {
		_ = os.WriteFile(filepath.Join(dir, step+"-problems.txt"), []byte(strings.Join(problems, "\n")+"\n"), 0o644)
	}
	return dir
}

// do runs actions with the step timeout; an error ends the test with a
// failure report.
func (b *browser) do(what string, actions ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	b.doWithin(stepTimeout, what, actions...)
}

func (b *browser) doWithin(d time.Duration, what string, actions ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, d)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		if errors.Is(err, context.DeadlineExceeded) {
			err = fmt.Errorf("not done within %s", d)
		}
		b.fatalf("%s: %v (page %s)", what, err, b.location())
	}
}

// run runs one action that returns a value, like do.
func run[T any](b *browser, what string, a chromedp.Action[T]) T {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, stepTimeout)
	defer cancel()
	v, err := chromedp.Run(ctx, a)
	if err != nil {
		if errors.Is(err, context.DeadlineExceeded) {
			err = fmt.Errorf("not done within %s", stepTimeout)
		}
		b.fatalf("%s: %v (page %s)", what, err, b.location())
	}
	return v
}

func (b *browser) location() string {
	ctx, cancel := context.WithTimeout(b.tab, 2*time.Second)
	defer cancel()
	url, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil {
		return "unknown"
	}
	return url
}

func (b *browser) navigate(url string) {
	b.t.Helper()
	b.do("open "+url, chromedp.Navigate(url))
}

// waitURL waits until the page's URL matches re.
func (b *browser) waitURL(re string) string {
	b.t.Helper()
	rx := regexp.MustCompile(re)
	deadline := time.Now().Add(stepTimeout)
	for {
		url := b.location()
		if rx.MatchString(url) {
			return url
		}
		if time.Now().After(deadline) {
			b.fatalf("the page is %s, want a URL matching %s", url, re)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// dialogMessages are the messages of the JavaScript dialogs accepted so far.
func (b *browser) dialogMessages() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]string(nil), b.dialogs...)
}

// screenshot writes the viewport as name.png into dir.
func (b *browser) screenshot(dir, name string) {
	b.t.Helper()
	png := run(b, "screenshot "+name, chromedp.CaptureScreenshot())
	if err := os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644); err != nil {
		b.t.Fatal(err)
	}
	b.t.Logf("wrote %s", filepath.Join(dir, name+".png"))
}

// --- Finding elements as a person (or a screen reader) does ---

// el is a way to find elements: a description for messages and a lookup.
type el struct {
	desc string
	opts []chromedp.QueryOption
}

func (e el) String() string { return e.desc }

// role finds elements by their ARIA role (explicit or implicit) and exact
// accessible name, as Chromium's accessibility tree computes them. An empty
// name matches any.
func role(role, name string) el {
	desc := role
	if name != "" {
		desc += fmt.Sprintf(" %q", name)
	}
	return axQuery(desc, axFilter{role: role, name: name})
}

// roleMatching is role with a name matching a regular expression.
func roleMatching(role, nameRe string) el {
	return axQuery(fmt.Sprintf("%s named /%s/", role, nameRe), axFilter{role: role, nameRe: regexp.MustCompile(nameRe)})
}

// roleWithText finds elements of a role whose text (innerText) matches a
// regular expression: for regions such as status and alert, whose name is
// not their content, and for list items and articles.
func roleWithText(role, textRe string) el {
	return axQuery(fmt.Sprintf("%s with text /%s/", role, textRe), axFilter{role: role, textRe: regexp.MustCompile(textRe)})
}

// label finds the form control whose accessible name (its label) is name.
func label(name string) el {
	return axQuery(fmt.Sprintf("field labelled %q", name), axFilter{name: name, control: true})
}

// labelMatching is label with a regular expression.
func labelMatching(nameRe string) el {
	return axQuery(fmt.Sprintf("field labelled /%s/", nameRe), axFilter{nameRe: regexp.MustCompile(nameRe), control: true})
}

// testID finds elements by data-testid: only for what has no good role or
// name (calendar cells and chips, the preview).
func testID(id string) el {
	return el{desc: fmt.Sprintf("[data-testid=%q]", id), opts: []chromedp.QueryOption{chromedp.ByFunc(
		func(ctx context.Context, t *chromedp.Target, n *chromedp.Node) ([]cdp.NodeID, error) {
			res, err := cdp.Call(ctx, t, dom.QuerySelectorAll, dom.QuerySelectorAllParams{NodeID: n.NodeID, Selector: fmt.Sprintf("[data-testid=%q]", id)})
			return res.NodeIDs, err
		}), chromedp.RetryInterval(50 * time.Millisecond)}}
}

// with adds query options (chromedp.NodeVisible, chromedp.AtLeast, …).
func (e el) with(opts ...chromedp.QueryOption) el {
	e.opts = append(append([]chromedp.QueryOption(nil), e.opts...), opts...)
	return e
}

type axFilter struct {
	role    string
	name    string
	nameRe  *regexp.Regexp
	textRe  *regexp.Regexp
	control bool // a form control (not the label's own text)
}

// controls are the roles of form controls, as Chromium names them.
var controls = map[string]bool{
	"textbox": true, "searchbox": true, "combobox": true, "spinbutton": true, "checkbox": true, "radio": true,
	"switch": true, "slider": true, "listbox": true, "DateTime": true, "Date": true, "InputTime": true,
}

func axQuery(desc string, f axFilter) el {
	return el{desc: desc, opts: []chromedp.QueryOption{chromedp.ByFunc(
		func(ctx context.Context, t *chromedp.Target, n *chromedp.Node) ([]cdp.NodeID, error) {
			res, err := cdp.Call(ctx, t, accessibility.QueryAXTree, accessibility.QueryAXTreeParams{
				NodeID: n.NodeID, Role: f.role, AccessibleName: f.name,
			})
			if err != nil {
				return nil, err
			}
			var ids []cdp.BackendNodeID
			for _, ax := range res.Nodes {
				if ax.Ignored || ax.BackendDOMNodeID == 0 {
					continue
				}
				if f.control && !controls[axString(ax.Role)] {
					continue
				}
				if f.nameRe != nil && !f.nameRe.MatchString(strings.TrimSpace(axString(ax.Name))) {
					continue
				}
				if f.textRe != nil {
					text, err := textOf(ctx, t, ax.BackendDOMNodeID)
					if err != nil || !f.textRe.MatchString(text) {
						continue
					}
				}
				ids = append(ids, ax.BackendDOMNodeID)
			}
			if len(ids) == 0 {
				return []cdp.NodeID{}, nil
			}
			pushed, err := cdp.Call(ctx, t, dom.PushNodesByBackendIDsToFrontend, dom.PushNodesByBackendIDsToFrontendParams{BackendNodeIDs: ids})
			return pushed.NodeIDs, err
		}), chromedp.RetryInterval(50 * time.Millisecond)}}
}

func axString(v *accessibility.Value) string {
	if v == nil || len(v.Value) == 0 {
		return ""
	}
	var s string
	if json.Unmarshal([]byte(v.Value), &s) != nil {
		return string(v.Value)
	}
	return s
}

// textOf is a DOM node's innerText (what a person reads).
func textOf(ctx context.Context, t *chromedp.Target, id cdp.BackendNodeID) (string, error) {
	obj, err := cdp.Call(ctx, t, dom.ResolveNode, dom.ResolveNodeParams{BackendNodeID: id, ObjectGroup: "e2e-text"})
	if err != nil || obj.Object == nil {
		return "", err
	}
	defer func() {
		_, _ = cdp.Call(ctx, t, runtime.ReleaseObjectGroup, runtime.ReleaseObjectGroupParams{ObjectGroup: "e2e-text"})
	}()
	yes := true
	res, err := cdp.Call(ctx, t, runtime.CallFunctionOn, runtime.CallFunctionOnParams{
		FunctionDeclaration: `function() { return this.innerText ?? this.textContent ?? "" }`,
		ObjectID:            obj.Object.ObjectID,
		ReturnByValue:       &yes,
	})
	if err != nil || res.Result == nil {
		return "", err
	}
	var s string
	_ = json.Unmarshal([]byte(res.Result.Value), &s)
	return s, nil
}

// --- Steps ---

func (b *browser) click(e el) {
	b.t.Helper()
	b.do("click "+e.desc, chromedp.Click(e.desc, e.with(chromedp.NodeVisible).opts...))
}

// fill replaces a field's value by typing text, as a person would: focus,
// select what is there, type over it.
func (b *browser) fill(e el, text string) {
	b.t.Helper()
	node := b.nodes(e.with(chromedp.NodeVisible))[0]
	callOn[chromedp.Void](b, node, `function() { this.focus(); if (typeof this.select === "function") this.select(); }`)
	// Input.insertText enters the text as one edit (beforeinput and input
	// events, like a paste or an input method), much faster than a key
	// event per character.
	b.do("type into "+e.desc, chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		_, err := cdp.Call(ctx, t, input.InsertText, input.InsertTextParams{Text: text})
		return err
	}))
}

func (b *browser) waitVisible(e el) {
	b.t.Helper()
	b.do("wait for "+e.desc, chromedp.WaitVisible(e.desc, e.opts...))
}

// nodes are every element found (waiting for at least one).
func (b *browser) nodes(e el) []*chromedp.Node {
	b.t.Helper()
	return run(b, "find "+e.desc, chromedp.Nodes(e.desc, e.opts...))
}

// count is how many elements are found now (no waiting).
func (b *browser) count(e el) int {
	b.t.Helper()
	return len(run(b, "find "+e.desc, chromedp.Nodes(e.desc, e.with(chromedp.AtLeast(0)).opts...)))
}

func jsonMarshal(v any) (jsonv2.Value, error) {
	b, err := json.Marshal(v)
	return jsonv2.Value(b), err
}

func jsonUnmarshal(v jsonv2.Value, out any) error {
	return json.Unmarshal([]byte(v), out)
}

// waitGone waits until nothing is found (a dialog closed, say).
func (b *browser) waitGone(e el) {
	b.t.Helper()
	b.do("wait until gone: "+e.desc, chromedp.WaitNotPresent(e.desc, e.opts...))
}

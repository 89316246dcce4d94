package main

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"runtime/pprof"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"text/tabwriter"
	"time"

	"connectrpc.com/connect"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/klauspost/compress/gzip"
	"github.com/oklog/ulid/v2"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/betterplan/betterplan/db/dbq"
	accountv1 "github.com/betterplan/betterplan/gen/betterplan/account/v1"
	"github.com/betterplan/betterplan/gen/betterplan/account/v1/accountv1connect"
	postv1 "github.com/betterplan/betterplan/gen/betterplan/post/v1"
	"github.com/betterplan/betterplan/gen/betterplan/post/v1/postv1connect"
	"github.com/betterplan/betterplan/internal/callheader"
	"github.com/betterplan/betterplan/internal/credential"
	"github.com/betterplan/betterplan/internal/fakex"
	"github.com/betterplan/betterplan/internal/xclient"
)

// The API under load (BENCH_API=1, `make bench-api`): the real cmd/api
// binary over real HTTP, driven by the generated Connect clients at a fixed
// rate (open loop: each request has its start time, and its latency counts
// from then, so a slow server cannot slow the load down and hide its queue).
const (
	apiUsers       = 300              // each with an X account and a few posts
	apiPostsEach   = 20               // posts per user
	apiHeavyPosts  = 100_000          // posts of the one user whose list is read
	apiFixedRate   = 500              // requests/s of the p50/p99 columns
	apiFixedStep   = 30 * time.Second // p50/p99 columns: p99 is the 150th worst of 15,000, so one host pause (~50 late requests per 100 ms) cannot make it alone
	apiStep        = 4 * time.Second  // each step of the search for the highest rate
	apiTargetP99   = 10 * time.Millisecond
	apiStealNote   = 0.01 // a window that lost more CPU than this to the host is measured again (or any stall, see steal.go)
	apiWindows     = 3    // fixed-rate windows a request kind gets when the host keeps stalling
	apiDeepPage    = 1000 // the deep page read: 50,000 posts in
	apiSignInRate  = 20   // sign-in runs argon2 on purpose: 500/s is not a sign-in load
	apiPassword    = "correct horse battery staple"
	apiMaxRatePlan = 6000
)

// apiRates are the steps of the search for the highest rate with p99 under
// the target.
var apiRates = []int{250, 500, 750, 1000, 1500, 2000, 3000, 4000, apiMaxRatePlan}

type apiUser struct {
	email, token, workspace, integration string
	posts                                []string
}

type apiOp struct {
	name   string
	target bool // CreatePost and ListPosts carry the p99 target at 500/s
	rate   int  // the fixed rate (apiFixedRate unless set)
	call   func(ctx context.Context, r *rand.Rand) error
}

type apiRow struct {
	op          apiOp
	fixed       latencies
	errs        int
	firstErr    error
	maxRate     int // highest rate of apiRates with p99 ≤ target and no error (0: none)
	maxRateP99  time.Duration
	firstStep   string        // the search's first step, shown when even it missed
	cpuPerReqUS float64       // api + PostgreSQL CPU per request at the fixed rate
	cpuAPIUS    float64       // of which the api process
	cpuClientUS float64       // the load generator's (this process's) CPU per request, on the same cores
	allocKB     float64       // what the api allocated per request (its garbage collector's work)
	lateP99     time.Duration // how late the load generator sent its requests (p99), counted in their latency
	steal       hostSteal     // what the hypervisor gave to others in the fixed-rate window
	noisy       []string      // earlier windows, measured again because the host stalled in them
	stmts       string        // the statements each request ran, most expensive first
}

// runAPI measures the api and prints its table; it returns the targets missed.
func runAPI(ctx context.Context, h *harness, work string) (int, error) {
	progress("building cmd/api")
	bin, err := goBuild(ctx, "", filepath.Join(work, "api"), "github.com/betterplan/betterplan/cmd/api")
	if err != nil {
		return 0, err
	}
	const dbName = "bench_api"
	dbURL, err := h.createDatabase(ctx, dbName)
	if err != nil {
		return 0, err
	}
	defer h.dropDatabase(context.Background(), dbName)
	pool, err := openPool(ctx, dbURL)
	if err != nil {
		return 0, err
	}
	defer pool.Close()
	x, err := startX(h.xLatency)
	if err != nil {
		return 0, err
	}
	defer x.close()
	addr, err := freeAddr()
	if err != nil {
		return 0, err
	}
	metrics, err := freeAddr()
	if err != nil {
		return 0, err
	}
	api, err := startProcess(ctx, bin, filepath.Join(work, "api.log"), append([]string{
		"DATABASE_URL=" + dbURL, "HTTP_ADDR=" + addr, "METRICS_ADDR=" + metrics, "APP_URL=http://" + addr,
		"TOKEN_ENCRYPTION_KEY=" + h.keyB64, "X_API_URL=" + x.url,
		"X_CLIENT_ID=" + fakex.DefaultConsumerKey, "X_CLIENT_SECRET=" + fakex.DefaultConsumerSecret,
		"MEDIA_BUCKET_URL=" + h.bucketURL, "LOG_LEVEL=info",
		// The bench signs up its users from one address.
		"RATE_LIMIT_SIGN_UP=10000/1h",
		// BENCH_API_ENV adds settings to try, e.g. "GOGC=200".
	}, strings.Fields(os.Getenv("BENCH_API_ENV"))...), func(ctx context.Context) bool { return apiReady(ctx, addr) })
	if err != nil {
		return 0, err
	}
	defer api.stop()

	transport := http.DefaultTransport.(*http.Transport).Clone()
	transport.MaxIdleConns, transport.MaxIdleConnsPerHost = 2000, 2000
	httpc := &http.Client{Transport: transport, Timeout: 30 * time.Second}
	base := "http://" + addr
	// Gzip as a browser takes it, decompressed with the library the api
	// compresses with (a third less of the load generator's CPU than the
	// standard library's).
	gz := connect.WithAcceptCompression("gzip",
		func() connect.Decompressor { return &gzip.Reader{} },
		func() connect.Compressor { return gzip.NewWriter(io.Discard) })
	accounts := accountv1connect.NewAccountServiceClient(httpc, base, gz)
	progress("api: signing up %d users, each with an X account and %d posts, and one with %d posts", apiUsers, apiPostsEach, apiHeavyPosts)
	users, err := seedAPIUsers(ctx, accounts, pool, h, x)
	if err != nil {
		return 0, err
	}
	heavy := users[0]
	if err := copyAPIPosts(ctx, pool, heavy, apiHeavyPosts); err != nil {
		return 0, err
	}
	// The table stays never analyzed for the whole run: without this,
	// autovacuum would analyze it (and vacuum the load) in the middle of
	// some measurement, changing what is measured and charging that row.
	if _, err := pool.Exec(ctx, benchTag+" ALTER TABLE posts SET (autovacuum_enabled = false)"); err != nil {
		return 0, err
	}
	posts := func(token string) postv1connect.PostServiceClient {
		return postv1connect.NewPostServiceClient(httpc, base, callheader.Bearer(token), gz)
	}
	clients := make([]postv1connect.PostServiceClient, len(users))
	for i, u := range users {
		clients[i] = posts(u.token)
	}
	// No ANALYZE after the load: the list must be fast on a table whose
	// statistics are stale, as right after a big import.
	deepToken, err := pageToken(ctx, clients[0], heavy.workspace, apiDeepPage)
	if err != nil {
		return 0, err
	}
	list := func(desc bool, token string) func(ctx context.Context, _ *rand.Rand) error {
		return func(ctx context.Context, _ *rand.Rand) error {
			res, err := clients[0].ListPosts(ctx, connect.NewRequest(&postv1.ListPostsRequest{WorkspaceId: heavy.workspace, Descending: desc, PageToken: token}))
			if err == nil && len(res.Msg.GetPosts()) != 50 {
				err = fmt.Errorf("a page of %d posts, not 50", len(res.Msg.GetPosts()))
			}
			return err
		}
	}
	var created atomic.Int64
	ops := []apiOp{
		{name: "CreatePost", target: true, call: func(ctx context.Context, r *rand.Rand) error {
			i := r.IntN(len(users))
			n := created.Add(1)
			_, err := clients[i].CreatePost(ctx, connect.NewRequest(&postv1.CreatePostRequest{
				IntegrationId: users[i].integration,
				Content:       &postv1.CreatePostRequest_Text{Text: fmt.Sprintf("load test post %d: what a demanding user writes, with a link https://example.com/%d", n, n)},
				When:          &postv1.CreatePostRequest_ScheduledTime{ScheduledTime: timestamppb.New(time.Now().Add(48*time.Hour + time.Duration(n)*time.Second))},
			}))
			return err
		}},
		{name: "GetPost", call: func(ctx context.Context, r *rand.Rand) error {
			i := r.IntN(len(users))
			_, err := clients[i].GetPost(ctx, connect.NewRequest(&postv1.GetPostRequest{Id: users[i].posts[r.IntN(len(users[i].posts))]}))
			return err
		}},
		{name: "ListPosts first page (100k posts)", target: true, call: list(false, "")},
		{name: "ListPosts first page, newest first", target: true, call: list(true, "")},
		{name: fmt.Sprintf("ListPosts page %d (deep)", apiDeepPage), target: true, call: list(false, deepToken)},
		{name: "ValidatePost", call: func(ctx context.Context, r *rand.Rand) error {
			_, err := clients[r.IntN(len(users))].ValidatePost(ctx, connect.NewRequest(&postv1.ValidatePostRequest{
				Text: fmt.Sprintf("Is this one too long? 🎉 https://example.com/%d #launch @someone", r.Int())}))
			return err
		}},
		{name: "SignIn", rate: apiSignInRate, call: func(ctx context.Context, r *rand.Rand) error {
			_, err := accounts.SignIn(ctx, connect.NewRequest(&accountv1.SignInRequest{Email: users[r.IntN(len(users))].email, Password: apiPassword}))
			return err
		}},
	}
	if ops, err = pickOps(ops, os.Getenv("BENCH_API_OPS")); err != nil {
		return 0, err
	}
	// The load generator shares the two cores with the api and PostgreSQL.
	// On one thread it costs about a quarter less CPU per request (fewer
	// wake-ups between threads), which it would otherwise take from them;
	// at these rates it stays well below a core (its CPU is printed).
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	// Its collections stall its one thread, and the requests waiting on it
	// would count them as the api's latency: it collects a quarter as often
	// (its heap stays tens of MB).
	defer debug.SetGCPercent(debug.SetGCPercent(400))
	var rows []apiRow
	for _, op := range ops {
		progress("api: %s", op.name)
		row, err := measureOp(ctx, h, pool, dbName, api.pid(), op, metrics)
		if err != nil {
			return 0, err
		}
		rows = append(rows, row)
	}
	auth, err := authCost(ctx, h, dbName, metrics)
	if err != nil {
		return 0, err
	}
	return printAPIReport(os.Stdout, "api: real cmd/api binary, Connect clients over HTTP/1.1 (the load generator on one thread); "+h.platform(), rows, auth), nil
}

// settle does now the maintenance PostgreSQL would otherwise start in the
// middle of a measurement: it vacuums and analyzes every table but posts
// (the previous request kind's writes would wake autovacuum; posts stays
// never analyzed, its autovacuum off), then checkpoints, which restarts the
// checkpoint timer (the measurements are shorter than checkpoint_timeout),
// and writes the dirty pages of the machine to disk (flushDisk).
func settle(ctx context.Context, pool *pgxpool.Pool) error {
	rows, err := pool.Query(ctx, benchTag+" SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'posts'")
	if err != nil {
		return fmt.Errorf("list tables: %w", err)
	}
	tables, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return fmt.Errorf("list tables: %w", err)
	}
	for _, t := range tables {
		if _, err := pool.Exec(ctx, benchTag+" VACUUM (ANALYZE) "+pgx.Identifier{t}.Sanitize()); err != nil {
			return fmt.Errorf("vacuum %s: %w", t, err)
		}
	}
	if _, err := pool.Exec(ctx, benchTag+" CHECKPOINT"); err != nil {
		return fmt.Errorf("checkpoint: %w", err)
	}
	flushDisk()
	return nil
}

// pickOps keeps the requests named by list (BENCH_API_OPS, e.g.
// "CreatePost,ListPosts": each item keeps the requests whose names start
// with it); all when it is empty.
func pickOps(ops []apiOp, list string) ([]apiOp, error) {
	if strings.TrimSpace(list) == "" {
		return ops, nil
	}
	var out []apiOp
	for _, op := range ops {
		for item := range strings.SplitSeq(list, ",") {
			if item = strings.TrimSpace(item); item != "" && strings.HasPrefix(op.name, item) {
				out = append(out, op)
				break
			}
		}
	}
	if len(out) == 0 {
		var names []string
		for _, op := range ops {
			names = append(names, op.name)
		}
		return nil, fmt.Errorf("BENCH_API_OPS=%q names none of: %s", list, strings.Join(names, "; "))
	}
	return out, nil
}

// measureOp runs op at its fixed rate, then at rising rates until p99 passes
// the target.
func measureOp(ctx context.Context, h *harness, pool *pgxpool.Pool, dbName string, apiPID int, op apiOp, metricsAddr string) (apiRow, error) {
	row := apiRow{op: op}
	rate := cmp.Or(op.rate, apiFixedRate)
	if err := settle(ctx, pool); err != nil {
		return row, err
	}
	// One second at the rate first: connections, caches, plans.
	if _, err := loadAt(ctx, op, rate, time.Second); err != nil {
		return row, err
	}
	if secs := os.Getenv("BENCH_PROFILE"); secs != "" {
		name := strings.Map(func(r rune) rune {
			if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' {
				return r
			}
			return '-'
		}, op.name)
		go saveProfile(ctx, metricsAddr, secs, filepath.Join(h.work, "api-"+name+".pprof"))
		stop := profileSelf(filepath.Join(h.work, "loadgen-"+name+".pprof"))
		defer stop()
	}
	// A window in which the host stalled this VM is measured again (its
	// numbers printed beside the row): the target is about the code, and
	// on a shared host a few pauses of tens of ms are the whole 1%. Never
	// one with errors: those count whatever the host did.
	for window := 1; ; window++ {
		if err := measureWindow(ctx, h, dbName, apiPID, op, rate, metricsAddr, &row); err != nil {
			return row, err
		}
		if !row.steal.noteworthy() || row.errs > 0 || window == apiWindows {
			break
		}
		row.noisy = append(row.noisy, fmt.Sprintf("p99 %s (%s)", ms(row.fixed.p99), row.steal))
		progress("api: %s: the host stalled this VM during the window; measuring again", op.name)
		if err := settle(ctx, pool); err != nil {
			return row, err
		}
		if _, err := loadAt(ctx, op, rate, time.Second); err != nil {
			return row, err
		}
	}
	if op.rate != 0 {
		// Sign-in: argon2 alone is longer than the target, by design.
		return row, nil
	}
	// The search starts as settled as the fixed rate did (CreatePost's
	// thousands of new rows would otherwise wake autovacuum in its steps),
	// and after the same second at its first rate.
	if err := settle(ctx, pool); err != nil {
		return row, err
	}
	if _, err := loadAt(ctx, op, apiRates[0], time.Second); err != nil {
		return row, err
	}
	// A step that missed while the host stalled this VM is run again, as a
	// window is (at most apiWindows-1 times in the whole search).
	again := apiWindows - 1
	for i := 0; i < len(apiRates); {
		r := apiRates[i]
		stopSteal := watchSteal()
		l, err := loadAt(ctx, op, r, apiStep)
		steal := stopSteal()
		if err != nil {
			return row, err
		}
		s := summarize(l.lat)
		missed := len(l.errs) > 0 || s.p99 > apiTargetP99
		if missed && len(l.errs) == 0 && steal.noteworthy() && again > 0 {
			again--
			progress("api: %s: the host stalled this VM during the step at %d/s; running it again", op.name, r)
			time.Sleep(500 * time.Millisecond)
			continue
		}
		if i == 0 {
			row.firstStep = fmt.Sprintf("p99 %s at %d/s", ms(s.p99), r)
			if len(l.errs) > 0 {
				row.firstStep += fmt.Sprintf(", %d errors, first: %v", len(l.errs), l.errs[0])
			} else if steal.noteworthy() {
				row.firstStep += ", " + steal.String()
			}
		}
		if missed {
			break
		}
		row.maxRate, row.maxRateP99 = r, s.p99
		// Let the queue of a step that nearly failed drain before the next.
		time.Sleep(500 * time.Millisecond)
		i++
	}
	return row, nil
}

// measureWindow sends op at rate for apiFixedStep and fills row's
// fixed-rate columns from it.
func measureWindow(ctx context.Context, h *harness, dbName string, apiPID int, op apiOp, rate int, metricsAddr string, row *apiRow) error {
	a, err := h.takeSample(ctx, dbName, []int{apiPID})
	if err != nil {
		return err
	}
	allocBefore, err := metricValue(ctx, metricsAddr, "go_memstats_alloc_bytes_total")
	if err != nil {
		return err
	}
	clientBefore, stopSteal := ownCPU(), watchSteal() // stopped on every path below
	l, err := loadAt(ctx, op, rate, apiFixedStep)
	row.steal = stopSteal()
	if err != nil {
		return err
	}
	n := len(l.lat)
	row.cpuClientUS = 1e6 * (ownCPU() - clientBefore).Seconds() / float64(max(1, n))
	allocAfter, err := metricValue(ctx, metricsAddr, "go_memstats_alloc_bytes_total")
	if err != nil {
		return err
	}
	row.allocKB = (allocAfter - allocBefore) / 1024 / float64(max(1, n))
	b, err := h.takeSample(ctx, dbName, []int{apiPID})
	if err != nil {
		return err
	}
	u := diff(a, b)
	row.fixed, row.errs, row.firstErr = summarize(l.lat), len(l.errs), first(l.errs)
	row.lateP99 = summarize(l.late).p99
	row.cpuPerReqUS = 1e6 * (u.pub.total() + u.pg.total()) / float64(max(1, n))
	row.cpuAPIUS = 1e6 * u.pub.total() / float64(max(1, n))
	slices.SortFunc(u.stmts, func(a, b stmtDelta) int { return cmp.Compare(b.execMS, a.execMS) })
	var parts []string
	for _, st := range u.stmts[:min(len(u.stmts), 6)] {
		parts = append(parts, fmt.Sprintf("%s ×%.1f %.3fms", st.name, float64(st.calls)/float64(max(1, n)), st.execMS/float64(st.calls)))
	}
	row.stmts = strings.Join(parts, ", ")
	return nil
}

// load is what one step of loadAt saw.
type load struct {
	lat  []time.Duration // from each request's planned start to its answer
	late []time.Duration // from the planned start until the request was on its way
	errs []error
}

// loadAt sends rate requests per second for d, each at its planned time in
// its own goroutine, and returns their latencies from the planned times.
func loadAt(ctx context.Context, op apiOp, rate int, d time.Duration) (load, error) {
	n := int(float64(rate) * d.Seconds())
	l := load{lat: make([]time.Duration, n), late: make([]time.Duration, n)}
	var mu sync.Mutex
	var wg sync.WaitGroup
	start := time.Now().Add(20 * time.Millisecond)
	seed := uint64(time.Now().UnixNano())
	for i := range n {
		at := start.Add(time.Duration(i) * time.Second / time.Duration(rate))
		if err := pace(ctx, at); err != nil {
			return load{}, err
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			l.late[i] = time.Since(at)
			r := rand.New(rand.NewPCG(seed, uint64(i)))
			cctx, cancel := context.WithTimeout(ctx, 10*time.Second)
			err := op.call(cctx, r)
			cancel()
			l.lat[i] = time.Since(at)
			if err != nil {
				mu.Lock()
				l.errs = append(l.errs, err)
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	return l, ctx.Err()
}

// pace waits for t in nanosleep, not on a Go timer: an idle Go thread
// waits for its timers in epoll_wait, whose timeout is in whole
// milliseconds, so a timer fires up to 1 ms late (0.46 ms at the median
// here), and that lateness would count as the api's latency.
func pace(ctx context.Context, t time.Time) error {
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		d := time.Until(t)
		if d <= 0 {
			return nil
		}
		ts := syscall.NsecToTimespec(int64(d))
		_ = syscall.Nanosleep(&ts, nil) // interrupted: the loop sleeps the rest
	}
}

func first(errs []error) error {
	if len(errs) == 0 {
		return nil
	}
	return errs[0]
}

// authCost is what resolving bearer tokens cost over the whole run: the
// requests served from the api's credentials cache, and the lookups (the
// statement an authenticated request runs first when its token is not
// cached).
func authCost(ctx context.Context, h *harness, dbName, metricsAddr string) (string, error) {
	stmts, err := readStatements(ctx, h.admin, dbName)
	if err != nil {
		return "", err
	}
	var calls int64
	var execMS float64
	for _, s := range stmts {
		if stmtName(s.query) == "SessionGetLiveByHash" {
			calls += s.calls
			execMS += s.execMS
		}
	}
	hits, err := metricValue(ctx, metricsAddr, "betterplan_auth_cache_hits_total")
	if err != nil {
		return "", err
	}
	if calls == 0 {
		// Only public requests (BENCH_API_OPS=SignIn), or the lookups were not counted.
		return fmt.Sprintf("auth: no session was looked up (%.0f requests served from the credentials cache)", hits), nil
	}
	all := float64(calls) + hits
	return fmt.Sprintf("auth: %.0f of %.0f authenticated requests (%.1f%%) were served from the credentials cache; the other %d looked their session up, %.3f ms mean in PostgreSQL",
		hits, all, 100*hits/all, calls, execMS/float64(calls)), nil
}

func printAPIReport(out io.Writer, header string, rows []apiRow, auth string) (missed int) {
	var v verdicts
	fmt.Fprintln(out, header)
	fmt.Fprintln(out)
	tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "request\trate\tp50\tp99\tmax\terrors\tCPU µs/request\thighest rate with p99 ≤ 10ms\t")
	for _, r := range rows {
		rate := cmp.Or(r.op.rate, apiFixedRate)
		p99 := ms(r.fixed.p99)
		if r.op.target {
			p99 = v.check(p99, "≤"+ms(apiTargetP99), r.fixed.p99 <= apiTargetP99 && r.errs == 0)
		}
		errs := v.check(fmt.Sprint(r.errs), "=0", r.errs == 0)
		var best string
		switch {
		case r.op.rate != 0:
			best = "- (argon2 is slower than 10ms by design)"
		case r.maxRate == apiMaxRatePlan:
			best = fmt.Sprintf("≥%d/s (p99 %s; the highest rate tried)", r.maxRate, ms(r.maxRateP99))
		case r.maxRate > 0:
			best = fmt.Sprintf("%d/s (p99 %s)", r.maxRate, ms(r.maxRateP99))
		default:
			best = fmt.Sprintf("<%d/s (%s)", apiRates[0], r.firstStep)
		}
		fmt.Fprintf(tw, "%s\t%d/s\t%s\t%s\t%s\t%s\t%.0f\t%s\t\n", r.op.name, rate, ms(r.fixed.p50), p99, ms(r.fixed.max), errs, r.cpuPerReqUS, best)
	}
	tw.Flush()
	fmt.Fprintf(out, "\ntargets: %d PASS, %d MISS\n", v.pass, v.miss)
	for _, r := range rows {
		if r.steal.noteworthy() {
			fmt.Fprintf(out, "note: %s: %s: its tail says as much about the host as about the code\n", r.op.name, r.steal)
		}
	}
	fmt.Fprintln(out)
	fmt.Fprintln(out, "per request (api CPU and allocation; the load generator's CPU on the same cores and its p99 lateness; the CPU time the")
	fmt.Fprintln(out, "hypervisor took for others meanwhile, in all and at most from one CPU in 100 ms, a pause every request of the moment")
	fmt.Fprintln(out, "waits out; statements: calls per request, mean execution):")
	for _, r := range rows {
		fmt.Fprintf(out, "  %s: api %.0f µs, %.0f KiB (load generator %.0f µs, %s late; %s); %s\n", r.op.name, r.cpuAPIUS, r.allocKB, r.cpuClientUS, ms(r.lateP99), r.steal, r.stmts)
		if len(r.noisy) > 0 {
			fmt.Fprintf(out, "    measured again: the host stalled this VM in the window before: %s\n", strings.Join(r.noisy, "; "))
		}
		if r.firstErr != nil {
			fmt.Fprintf(out, "    first error: %v\n", r.firstErr)
		}
	}
	fmt.Fprintf(out, `%s
latency: from the request's planned start (open loop: %s at the fixed rate, %s per step of the search) to
  its answer, so the load generator's lateness counts too; the first second at each rate is not counted. CPU: api process + PostgreSQL, per request at the fixed rate. The highest
  rate: the last of %v/s whose p99 stayed ≤ 10ms with no error. The lists read %d posts of one user,
  loaded by COPY and never analyzed (autovacuum is off for posts during the run; the other tables
  are vacuumed and analyzed, and a checkpoint taken, before each request kind). A fixed-rate window
  in which the host stalled this VM (a CPU lost ≥ %s of %s to the hypervisor, or > %.0f%% of all CPU
  time went) is measured again, up to %d windows, and the earlier ones printed; so is a search step
  that missed (at most %d reruns per search). Never one with errors.
`, auth, apiFixedStep, apiStep, apiRates, apiHeavyPosts, stallMin, stallInterval, 100*apiStealNote, apiWindows, apiWindows-1)
	return v.miss
}

// seedAPIUsers signs users up through the api (so their sessions are real)
// and gives each an X account and posts directly in the database.
func seedAPIUsers(ctx context.Context, accounts accountv1connect.AccountServiceClient, pool *pgxpool.Pool, h *harness, x *xServer) ([]*apiUser, error) {
	q := dbq.New(pool)
	users := make([]*apiUser, apiUsers)
	for i := range users {
		u := &apiUser{email: fmt.Sprintf("load%d@example.com", i)}
		res, err := accounts.SignUp(ctx, connect.NewRequest(&accountv1.SignUpRequest{Email: u.email, Password: apiPassword, DisplayName: fmt.Sprintf("Load %d", i)}))
		if err != nil {
			return nil, fmt.Errorf("sign up %s: %w", u.email, err)
		}
		u.token, u.workspace = res.Msg.GetSessionToken(), res.Msg.GetWorkspace().GetWorkspace().GetId()
		username := fmt.Sprintf("load%d", i)
		xid, token, secret := x.fake.IssueCredentials(username)
		sealed, keyID := credential.Seal(h.keys, xid, xclient.Credentials{Token: token, Secret: secret})
		userID := res.Msg.GetUser().GetId()
		row, err := q.IntegrationUpsert(ctx, dbq.IntegrationUpsertParams{
			ID: ulid.Make().String(), WorkspaceID: u.workspace, ConnectedBy: &userID, Platform: "x", PlatformAccountID: xid, Username: username,
			DisplayName: username, Credential: sealed, CredentialKeyID: keyID, Now: time.Now(),
		})
		if err != nil {
			return nil, fmt.Errorf("create integration: %w", err)
		}
		u.integration = row.ID
		users[i] = u
		if err := copyAPIPosts(ctx, pool, u, apiPostsEach); err != nil {
			return nil, err
		}
	}
	return users, nil
}

// copyAPIPosts adds n scheduled posts to u's account, one a minute from
// tomorrow, and keeps their ids.
func copyAPIPosts(ctx context.Context, pool *pgxpool.Pool, u *apiUser, n int) error {
	now := time.Now()
	start := now.Add(24 * time.Hour).Truncate(time.Minute)
	rows := make([][]any, n)
	for i := range rows {
		id := ulid.Make().String()
		if len(u.posts) < 1000 {
			u.posts = append(u.posts, id)
		}
		at := start.Add(time.Duration(i) * time.Minute)
		rows[i] = postRow(id, u.workspace, u.integration, fmt.Sprintf("post %d of %s", i, u.email), []string{}, at, now)
	}
	if _, err := pool.CopyFrom(ctx, pgx.Identifier{"posts"}, postColumns, pgx.CopyFromRows(rows)); err != nil {
		return fmt.Errorf("copy %d posts: %w", n, err)
	}
	return nil
}

// pageToken walks to page n of the heavy user's list and returns its token.
func pageToken(ctx context.Context, c postv1connect.PostServiceClient, workspace string, n int) (string, error) {
	token := ""
	for range n - 1 {
		res, err := c.ListPosts(ctx, connect.NewRequest(&postv1.ListPostsRequest{WorkspaceId: workspace, PageToken: token}))
		if err != nil {
			return "", fmt.Errorf("walk to page %d: %w", n, err)
		}
		if token = res.Msg.GetNextPageToken(); token == "" {
			return "", fmt.Errorf("the list ended before page %d", n)
		}
	}
	return token, nil
}

func apiReady(ctx context.Context, addr string) bool {
	c := accountv1connect.NewAccountServiceClient(http.DefaultClient, "http://"+addr)
	_, err := c.GetMe(ctx, connect.NewRequest(&accountv1.GetMeRequest{}))
	return connect.CodeOf(err) == connect.CodeUnauthenticated
}

// ownCPU is the CPU time this process has used (user + system).
func ownCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// profileSelf writes the load generator's own CPU profile to path until
// the returned stop is called.
func profileSelf(path string) (stop func()) {
	f, err := os.Create(path)
	if err != nil {
		progress("profile: %v", err)
		return func() {}
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		progress("profile: %v", err)
		f.Close()
		return func() {}
	}
	return func() {
		pprof.StopCPUProfile()
		f.Close()
		progress("load generator CPU profile in %s", path)
	}
}

// Command bench measures the publisher against the targets of issue 4. It
// builds the real cmd/publisher binary and runs it as a subprocess, once per
// scenario, against a fresh database on the PostgreSQL in BENCH_DATABASE_URL
// (`make bench` starts a throwaway one), with the fake X served over HTTP
// from this process at 20 ms latency. It prints one table row per scenario.
//
// With BENCH_API=1 (`make bench-api`) it measures the api instead: the
// real cmd/api binary under a fixed request rate (see api.go).
//
// With BENCH_PEERS=river (`make bench-peers`) it runs each scenario twice,
// ours then the peer in bench/peers/river (River, its own module), with
// the same harness, fake X and worker count, and prints both rows and their
// ratio.
//
// Environment: BENCH_DATABASE_URL (required; a superuser URL of a local
// cluster with pg_stat_statements preloaded), BENCH_SCENARIOS (optional
// comma list, e.g. "burst,idle"), BENCH_PEERS (optional), PUBLISHER_WORKERS
// (passed through), BENCH_KEEP=1 keeps the work directory with the
// publisher logs, BENCH_API_OPS (optional, with BENCH_API: the requests to
// measure, e.g. "CreatePost,ListPosts"), BENCH_API_ENV (optional, with
// BENCH_API: settings added to the api's environment, e.g. "GOGC=100").
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"slices"
	"strings"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context) (err error) {
	adminURL := os.Getenv("BENCH_DATABASE_URL")
	if adminURL == "" {
		return errors.New("BENCH_DATABASE_URL is not set: run `make bench`, which starts a throwaway PostgreSQL and sets it")
	}
	peer := strings.TrimSpace(os.Getenv("BENCH_PEERS"))
	if peer != "" && peer != "river" {
		return fmt.Errorf("BENCH_PEERS=%q: the only peer is river", peer)
	}
	all := scenarios
	if peer != "" {
		all = peerScenarios
	}
	selected, err := pick(all, os.Getenv("BENCH_SCENARIOS"))
	if err != nil {
		return err
	}
	work, err := os.MkdirTemp("", "betterplan-bench-")
	if err != nil {
		return err
	}
	missed := 0
	defer func() {
		// The publisher logs are the first thing to read when a run fails
		// or misses a target.
		if err != nil || missed > 0 || os.Getenv("BENCH_KEEP") != "" {
			fmt.Fprintln(os.Stderr, "bench: publisher logs kept in", work)
			return
		}
		os.RemoveAll(work)
	}()

	if os.Getenv("BENCH_API") != "" {
		h, err := newHarness(ctx, adminURL, work)
		if err != nil {
			return err
		}
		defer h.close()
		missed, err = runAPI(ctx, h, work)
		return err
	}
	progress("building cmd/publisher")
	bin, err := buildPublisher(ctx, work)
	if err != nil {
		return err
	}
	contenders := []contender{{name: "betterplan", bin: bin}}
	if peer != "" {
		progress("building bench/peers/%s", peer)
		peerBin, err := buildPeer(ctx, work, peer)
		if err != nil {
			return err
		}
		contenders = append(contenders, contender{name: peer, bin: peerBin, handOver: true, statuses: riverStatuses})
	}
	h, err := newHarness(ctx, adminURL, work)
	if err != nil {
		return err
	}
	defer h.close()

	var results []result
	for _, sc := range selected {
		for _, c := range contenders {
			progress("%s (%s): %s", sc.name, c.name, sc.about)
			res, err := h.runScenario(ctx, sc, c)
			if err != nil {
				return fmt.Errorf("scenario %s (%s): %w", sc.name, c.name, err)
			}
			results = append(results, res)
		}
	}
	if peer != "" {
		header := h.describe("betterplan: real cmd/publisher binary; " + peer + ": bench/peers/" + peer)
		missed = printPeerReport(os.Stdout, header, results)
		return saveLagSVG(svgPeersPath, header, results)
	}
	header := h.describe("publisher: real cmd/publisher binary")
	missed = printReport(os.Stdout, header, results)
	return saveLagSVG(svgDefaultPath, header, results)
}

// pick returns the scenarios of all named in list (all when empty), in
// table order.
func pick(all []scenario, list string) ([]scenario, error) {
	if strings.TrimSpace(list) == "" {
		return all, nil
	}
	names := strings.Split(list, ",")
	var out []scenario
	for _, sc := range all {
		if slices.Contains(names, sc.name) {
			out = append(out, sc)
		}
	}
	if len(out) != len(names) {
		var known []string
		for _, sc := range all {
			known = append(known, sc.name)
		}
		return nil, fmt.Errorf("BENCH_SCENARIOS=%q: known scenarios are %s", list, strings.Join(known, ","))
	}
	return out, nil
}

// progress goes to stderr so stdout holds only the report.
func progress(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "bench: "+format+"\n", args...)
}

// Command bench measures the publisher against the targets of issue 4. It
// builds the real cmd/publisher binary and runs it as a subprocess, once per
// scenario, against a fresh database on the PostgreSQL in BENCH_DATABASE_URL
// (`make bench` starts a throwaway one), with the fake X served over HTTP
// from this process at 20 ms latency. It prints one table row per scenario.
//
// Environment: BENCH_DATABASE_URL (required; a superuser URL of a local
// cluster with pg_stat_statements preloaded), BENCH_SCENARIOS (optional
// comma list, e.g. "burst,idle"), PUBLISHER_WORKERS (passed through),
// BENCH_KEEP=1 keeps the work directory with the publisher logs.
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
	selected, err := pick(os.Getenv("BENCH_SCENARIOS"))
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

	progress("building cmd/publisher")
	bin, err := buildPublisher(ctx, work)
	if err != nil {
		return err
	}
	h, err := newHarness(ctx, adminURL, bin, work)
	if err != nil {
		return err
	}
	defer h.close()

	var results []result
	for _, sc := range selected {
		progress("%s: %s", sc.name, sc.about)
		res, err := h.runScenario(ctx, sc)
		if err != nil {
			return fmt.Errorf("scenario %s: %w", sc.name, err)
		}
		results = append(results, res)
	}
	missed = printReport(os.Stdout, h.describe(), results)
	return saveLagSVG(h.describe(), results)
}

// pick returns the scenarios named in list (all when empty), in table order.
func pick(list string) ([]scenario, error) {
	if strings.TrimSpace(list) == "" {
		return scenarios, nil
	}
	names := strings.Split(list, ",")
	var out []scenario
	for _, sc := range scenarios {
		if slices.Contains(names, sc.name) {
			out = append(out, sc)
		}
	}
	if len(out) != len(names) {
		var all []string
		for _, sc := range scenarios {
			all = append(all, sc.name)
		}
		return nil, fmt.Errorf("BENCH_SCENARIOS=%q: known scenarios are %s", list, strings.Join(all, ","))
	}
	return out, nil
}

// progress goes to stderr so stdout holds only the report.
func progress(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "bench: "+format+"\n", args...)
}

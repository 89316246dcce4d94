package main

import (
	"context"
	"fmt"
	"os"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// clockTicks is Linux's USER_HZ, the unit of the CPU times in /proc/*/stat
// (100 on every mainstream architecture; Go has no sysconf without cgo).
const clockTicks = 100

// sample is what the bench reads at both ends of a measurement window.
type sample struct {
	at    time.Time
	stmts map[int64]stmtStat // the scenario database's pg_stat_statements, by queryid
	pub   cpu                // the publisher processes
	pg    cpu                // PostgreSQL: the postmaster and its children
	bench cpu                // this process (mostly the fake X)
}

// cpu is CPU time in seconds: user, and system (the kernel on the
// process's behalf: syscalls such as fdatasync, send and recv).
type cpu struct{ user, sys float64 }

func (c cpu) total() float64  { return c.user + c.sys }
func (c cpu) minus(o cpu) cpu { return cpu{c.user - o.user, c.sys - o.sys} }
func (c cpu) plus(o cpu) cpu  { return cpu{c.user + o.user, c.sys + o.sys} }

type stmtStat struct {
	calls  int64
	execMS float64
	maxMS  float64 // since the database was created: in practice, the window
	query  string
}

// usage is what happened between two samples.
type usage struct {
	window     time.Duration
	queries    int64 // statements the publisher ran (the bench's own excluded)
	benchStmts int64 // statements the bench ran, excluded from queries
	stmts      []stmtDelta
	pub, pg    cpu
	bench      cpu
}

type stmtDelta struct {
	name   string
	calls  int64
	execMS float64
	maxMS  float64
}

// takeSample reads the statistics first and /proc last, so the statistics
// query's own work falls inside the window it closes, not the next.
func (h *harness) takeSample(ctx context.Context, dbName string, pubPIDs []int) (sample, error) {
	stmts, err := readStatements(ctx, h.admin, dbName)
	if err != nil {
		return sample{}, err
	}
	s := sample{stmts: stmts}
	for _, pid := range pubPIDs {
		c, err := procCPU(pid, false)
		if err != nil {
			return sample{}, fmt.Errorf("publisher CPU: %w", err)
		}
		s.pub = s.pub.plus(c)
	}
	if s.pg, err = postgresCPU(h.postmaster); err != nil {
		return sample{}, fmt.Errorf("PostgreSQL CPU: %w", err)
	}
	if s.bench, err = procCPU(os.Getpid(), false); err != nil {
		return sample{}, err
	}
	s.at = time.Now()
	return s, nil
}

// readStatements reads pg_stat_statements for one database. pg_stat_statements
// counts a statement when it finishes, at once; pg_stat_database's
// xact_commit is flushed by each backend only every 1-10 s, too late for a
// window that ends right after the last post.
func readStatements(ctx context.Context, admin *pgxpool.Pool, dbName string) (map[int64]stmtStat, error) {
	rows, err := admin.Query(ctx, `
SELECT s.queryid, s.calls, s.total_exec_time, s.max_exec_time, s.query
FROM pg_stat_statements s JOIN pg_database d ON d.oid = s.dbid
WHERE d.datname = $1 AND s.queryid IS NOT NULL`, dbName)
	if err != nil {
		return nil, fmt.Errorf("read pg_stat_statements: %w", err)
	}
	out := map[int64]stmtStat{}
	var id, calls int64
	var ms, maxMS float64
	var query string
	_, err = pgx.ForEachRow(rows, []any{&id, &calls, &ms, &maxMS, &query}, func() error {
		// One queryid can have several rows (per role, top level or not).
		s := out[id]
		s.calls += calls
		s.execMS += ms
		s.maxMS = max(s.maxMS, maxMS)
		s.query = query
		out[id] = s
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read pg_stat_statements: %w", err)
	}
	return out, nil
}

func diff(a, b sample) usage {
	u := usage{window: b.at.Sub(a.at), pub: b.pub.minus(a.pub), pg: b.pg.minus(a.pg), bench: b.bench.minus(a.bench)}
	for id, after := range b.stmts {
		before := a.stmts[id]
		d := stmtDelta{name: stmtName(after.query), calls: after.calls - before.calls, execMS: after.execMS - before.execMS, maxMS: after.maxMS}
		if d.calls == 0 {
			continue
		}
		if strings.Contains(after.query, benchTag) {
			u.benchStmts += d.calls
			continue
		}
		u.queries += d.calls
		u.stmts = append(u.stmts, d)
	}
	return u
}

var sqlcName = regexp.MustCompile(`-- name: (\w+)`)

// stmtName is the sqlc query name, or the start of the SQL otherwise.
func stmtName(query string) string {
	if m := sqlcName.FindStringSubmatch(query); m != nil {
		return m[1]
	}
	q := strings.Join(strings.Fields(query), " ")
	return q[:min(len(q), 40)]
}

// procStat returns fields 4.. of /proc/pid/stat (ppid first); the command
// name before them may contain spaces, so it is cut at the last ')'.
func procStat(pid int) ([]string, error) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return nil, err
	}
	i := strings.LastIndexByte(string(b), ')')
	if i < 0 {
		return nil, fmt.Errorf("/proc/%d/stat: unexpected format", pid)
	}
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 15 {
		return nil, fmt.Errorf("/proc/%d/stat: too few fields", pid)
	}
	return f[1:], nil // f[0] is the state
}

// procCPU is utime and stime of pid, plus cutime and cstime (the CPU of
// children it has reaped) when withReaped.
func procCPU(pid int, withReaped bool) (cpu, error) {
	f, err := procStat(pid)
	if err != nil {
		return cpu{}, err
	}
	// f[0] is field 4 (ppid): utime, stime, cutime, cstime are fields 14-17.
	var t [4]float64
	for i := range t {
		n, err := strconv.ParseInt(f[10+i], 10, 64)
		if err != nil {
			return cpu{}, fmt.Errorf("/proc/%d/stat: %w", pid, err)
		}
		t[i] = float64(n) / clockTicks
	}
	if withReaped {
		return cpu{t[0] + t[2], t[1] + t[3]}, nil
	}
	return cpu{t[0], t[1]}, nil
}

// postgresCPU is the CPU of the whole cluster: the postmaster, every live
// child (backends, checkpointer, walwriter, autovacuum, ...), and the
// children that already exited, which the kernel adds to the postmaster's
// cutime/cstime when it reaps them. A backend that ends within a window is
// thus counted once, in either sum.
func postgresCPU(postmaster int) (cpu, error) {
	total, err := procCPU(postmaster, true)
	if err != nil {
		return cpu{}, err
	}
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return cpu{}, err
	}
	parent := strconv.Itoa(postmaster)
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		f, err := procStat(pid)
		if err != nil || f[0] != parent {
			continue // not ours, or gone since ReadDir
		}
		if c, err := procCPU(pid, false); err == nil {
			total = total.plus(c)
		}
	}
	return total, nil
}

// findPostmaster is the parent of the bench's own backend; it also proves
// PostgreSQL runs on this machine, where /proc can see it.
func findPostmaster(ctx context.Context, admin *pgxpool.Pool) (int, error) {
	var backend int
	if err := admin.QueryRow(ctx, "SELECT pg_backend_pid()").Scan(&backend); err != nil {
		return 0, err
	}
	f, err := procStat(backend)
	if err != nil {
		return 0, fmt.Errorf("PostgreSQL must run on this machine to measure its CPU (backend %d not in /proc): %w", backend, err)
	}
	return strconv.Atoi(f[0])
}

package main

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/jackc/pgx/v5"
)

// pgbouncerPath finds Debian's pgbouncer (in /usr/sbin, often off PATH).
func pgbouncerPath() (string, error) {
	if p, err := exec.LookPath("pgbouncer"); err == nil {
		return p, nil
	}
	if _, err := os.Stat("/usr/sbin/pgbouncer"); err == nil {
		return "/usr/sbin/pgbouncer", nil
	}
	return "", errors.New("pgbouncer is not installed (apt-get install pgbouncer; make bench installs it when run as root)")
}

// startBouncer runs PgBouncer in transaction mode in front of the world's
// database and returns the URL the publisher's pools use through it. The
// publisher's statements cannot be named prepared statements there (the
// server connection changes between transactions): pgx describes and caches
// them instead (default_query_exec_mode=cache_describe).
func (w *world) startBouncer(ctx context.Context) (string, error) {
	bin, err := pgbouncerPath()
	if err != nil {
		return "", err
	}
	direct, err := url.Parse(w.dbURL)
	if err != nil {
		return "", err
	}
	// Readable by the user PgBouncer switches to when started as root.
	dir, err := os.MkdirTemp("", "betterplan-pgbouncer-")
	if err != nil {
		return "", err
	}
	w.cleanup = append(w.cleanup, func() { os.RemoveAll(dir) })
	if err := os.Chmod(dir, 0o755); err != nil {
		return "", err
	}
	addr, err := freeAddr()
	if err != nil {
		return "", err
	}
	host, port, _ := strings.Cut(addr, ":")
	user := direct.User.Username()
	ini := fmt.Sprintf(`[databases]
%s = host=%s port=%s dbname=%s user=%s

[pgbouncer]
listen_addr = %s
listen_port = %s
unix_socket_dir =
auth_type = trust
auth_file = %s
pool_mode = transaction
max_client_conn = 100
default_pool_size = 20
ignore_startup_parameters = extra_float_digits
`, w.dbName, direct.Hostname(), direct.Port(), w.dbName, user, host, port, filepath.Join(dir, "users.txt"))
	if err := os.WriteFile(filepath.Join(dir, "users.txt"), []byte(fmt.Sprintf("%q \"\"\n", user)), 0o644); err != nil {
		return "", err
	}
	iniPath := filepath.Join(dir, "pgbouncer.ini")
	if err := os.WriteFile(iniPath, []byte(ini), 0o644); err != nil {
		return "", err
	}
	args := []string{iniPath}
	if os.Geteuid() == 0 {
		args = []string{"-u", "postgres", iniPath} // it refuses to run as root
	}
	through := *direct
	through.Host = addr
	q := through.Query()
	q.Set("default_query_exec_mode", "cache_describe")
	through.RawQuery = q.Encode()
	bouncerURL := through.String()
	p, err := startCommand(ctx, bin, args, filepath.Join(w.h.work, "pgbouncer-"+w.name+".log"), nil, func(ctx context.Context) bool {
		conn, err := pgx.Connect(ctx, bouncerURL)
		if err != nil {
			return false
		}
		defer conn.Close(ctx)
		return conn.Ping(ctx) == nil
	})
	if err != nil {
		return "", err
	}
	w.bouncer = p
	return bouncerURL, nil
}

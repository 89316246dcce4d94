package apiserver

import (
	"fmt"

	"context"
	"time"

	"connectrpc.com/connect"

	"connectrpc.com/grpchealth"
	"github.com/jackc/pgx/v5/pgxpool"
)

// dbChecker reports every service as serving only while PostgreSQL answers:
// the api can do nothing useful without it.
type dbChecker struct {
	pool     *pgxpool.Pool
	services map[string]bool
}

func (c *dbChecker) Check(ctx context.Context, req *grpchealth.CheckRequest) (*grpchealth.CheckResponse, error) {
	if req.Service != "" && !c.services[req.Service] {
		return nil, connect.NewError(connect.CodeNotFound, fmt.Errorf("unknown service %q", req.Service))
	}
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	if err := c.pool.Ping(ctx); err != nil {
		return &grpchealth.CheckResponse{Status: grpchealth.StatusNotServing}, nil
	}
	return &grpchealth.CheckResponse{Status: grpchealth.StatusServing}, nil
}

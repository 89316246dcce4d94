package auth

import (
	"context"
	"crypto/sha256"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"connectrpc.com/connect"

	"github.com/betterplan/betterplan/db"
	"github.com/betterplan/betterplan/db/dbq"
	"github.com/betterplan/betterplan/internal/clock"
)

const (
	// SessionTTL is how long a session lives after its last use.
	SessionTTL = 30 * 24 * time.Hour
	// slideEvery bounds how often a busy session is written to the database.
	slideEvery = time.Hour
	// touchEvery bounds how often an API token's last use is written.
	touchEvery = time.Minute
)

var (
	errNoCredentials  = errors.New("sign in first: send \"Authorization: Bearer <token>\" or the session cookie")
	errBadCredentials = errors.New("the session or API token is invalid, expired or revoked; sign in again or create a new token")
)

// Interceptor checks the credentials of every call except the public
// procedures and puts the caller's Principal on the context.
type Interceptor struct {
	q       *dbq.Queries
	now     clock.Clock
	cookies Cookies
	log     *slog.Logger
	public  map[string]bool
	cache   cache
}

// NewInterceptor returns an interceptor that lets the given procedures (e.g.
// "/betterplan.account.v1.AccountService/SignIn") through without credentials.
func NewInterceptor(q *dbq.Queries, now clock.Clock, cookies Cookies, log *slog.Logger, public ...string) *Interceptor {
	m := make(map[string]bool, len(public))
	for _, p := range public {
		m[p] = true
	}
	return &Interceptor{q: q, now: now, cookies: cookies, log: log, public: m}
}

// WrapUnary implements connect.Interceptor.
func (i *Interceptor) WrapUnary(next connect.UnaryFunc) connect.UnaryFunc {
	return func(ctx context.Context, req connect.AnyRequest) (connect.AnyResponse, error) {
		if i.public[req.Spec().Procedure] {
			return next(ctx, req)
		}
		p, refresh, err := i.authenticate(ctx, req.Header())
		if err != nil {
			return nil, err
		}
		resp, err := next(WithPrincipal(ctx, p), req)
		if refresh != nil {
			if err == nil {
				resp.Header().Add("Set-Cookie", refresh.String())
			} else if cerr := new(connect.Error); errors.As(err, &cerr) {
				cerr.Meta().Add("Set-Cookie", refresh.String())
			}
		}
		return resp, err
	}
}

// WrapStreamingClient implements connect.Interceptor.
func (i *Interceptor) WrapStreamingClient(next connect.StreamingClientFunc) connect.StreamingClientFunc {
	return next
}

// WrapStreamingHandler implements connect.Interceptor.
func (i *Interceptor) WrapStreamingHandler(next connect.StreamingHandlerFunc) connect.StreamingHandlerFunc {
	return func(ctx context.Context, conn connect.StreamingHandlerConn) error {
		if i.public[conn.Spec().Procedure] {
			return next(ctx, conn)
		}
		p, _, err := i.authenticate(ctx, conn.RequestHeader())
		if err != nil {
			return err
		}
		return next(WithPrincipal(ctx, p), conn)
	}
}

// Authenticate resolves the credentials in h (bearer token or session cookie)
// for plain HTTP handlers that live outside Connect.
func (i *Interceptor) Authenticate(ctx context.Context, h http.Header) (Principal, error) {
	p, _, err := i.authenticate(ctx, h)
	return p, err
}

// authenticate resolves the credentials in h. refresh is a renewed session
// cookie when the session came from the cookie and its expiry slid forward.
func (i *Interceptor) authenticate(ctx context.Context, h http.Header) (p Principal, refresh *http.Cookie, err error) {
	token, fromBearer := bearer(h.Get("Authorization"))
	if !fromBearer {
		var ok bool
		if token, ok = fromHeader(h); !ok {
			return Principal{}, nil, connect.NewError(connect.CodeUnauthenticated, errNoCredentials)
		}
	}
	now := i.now.Now()
	key := sha256.Sum256([]byte(token))
	if p, ok := i.cache.get(key, now); ok {
		return p, nil, nil
	}
	gen := i.cache.generation()
	switch {
	case strings.HasPrefix(token, SessionPrefix):
		s, err := i.q.SessionGetLiveByHash(ctx, dbq.SessionGetLiveByHashParams{TokenHash: key[:], Now: now})
		if err != nil {
			return Principal{}, nil, i.lookupError(err)
		}
		if s.ExpiresAt.Sub(now) < SessionTTL-slideEvery {
			expires := now.Add(SessionTTL)
			if err := i.q.SessionExtend(ctx, dbq.SessionExtendParams{ID: s.ID, ExpiresAt: expires}); err != nil {
				i.log.ErrorContext(ctx, "extend session", "err", err)
			} else {
				s.ExpiresAt = expires
				if !fromBearer {
					refresh = i.cookies.Session(token, expires, now)
				}
			}
		}
		p := Principal{UserID: s.UserID, SessionID: s.ID}
		// Looked up again when it is due to slide (or, failing that, now).
		i.cache.put(key, gen, p, now, s.ExpiresAt.Add(slideEvery-SessionTTL))
		return p, refresh, nil
	case strings.HasPrefix(token, APITokenPrefix):
		t, err := i.q.ApiTokenGetLiveByHash(ctx, dbq.ApiTokenGetLiveByHashParams{TokenHash: key[:], Now: now})
		if err != nil {
			return Principal{}, nil, i.lookupError(err)
		}
		if t.LastUsedAt == nil || now.Sub(*t.LastUsedAt) >= touchEvery {
			if err := i.q.ApiTokenTouch(ctx, dbq.ApiTokenTouchParams{ID: t.ID, Now: now}); err != nil {
				i.log.ErrorContext(ctx, "record api token use", "err", err)
			} else {
				t.LastUsedAt = &now
			}
		}
		p := Principal{UserID: t.UserID, APITokenID: t.ID}
		// Looked up again when its use is due to be recorded, or it expires.
		until := now
		if t.LastUsedAt != nil {
			until = t.LastUsedAt.Add(touchEvery)
		}
		if t.ExpiresAt != nil && t.ExpiresAt.Before(until) {
			until = *t.ExpiresAt
		}
		i.cache.put(key, gen, p, now, until)
		return p, nil, nil
	default:
		return Principal{}, nil, connect.NewError(connect.CodeUnauthenticated, errBadCredentials)
	}
}

func (i *Interceptor) lookupError(err error) error {
	if errors.Is(db.Classify(err), db.ErrNotFound) {
		return connect.NewError(connect.CodeUnauthenticated, errBadCredentials)
	}
	i.log.Error("look up credentials", "err", err)
	return connect.NewError(connect.CodeUnavailable, errors.New("cannot check credentials right now; try again shortly"))
}

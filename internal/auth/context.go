package auth

import "context"

// Principal is who is calling: a user, through a session or an API token.
type Principal struct {
	UserID string
	// Exactly one of SessionID and APITokenID is set.
	SessionID  string
	APITokenID string
}

type principalKey struct{}

// WithPrincipal returns ctx carrying p.
func WithPrincipal(ctx context.Context, p Principal) context.Context {
	return context.WithValue(ctx, principalKey{}, p)
}

// FromContext returns the caller put there by the interceptor. ok is false
// on public procedures.
func FromContext(ctx context.Context) (Principal, bool) {
	p, ok := ctx.Value(principalKey{}).(Principal)
	return p, ok
}

// UserID returns the signed-in user's id, or "" on public procedures.
func UserID(ctx context.Context) string {
	p, _ := FromContext(ctx)
	return p.UserID
}

package config

import (
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strings"

	"github.com/betterplan/betterplan/internal/secretbox"
)

// X is how BetterPlan reaches X (or the offline sandbox that stands in for it).
type X struct {
	APIURL       string // X_API_URL
	ClientID     string // X_CLIENT_ID: the app's consumer (API) key
	ClientSecret string // X_CLIENT_SECRET
}

// Configured reports whether X keys were given.
func (x X) Configured() bool { return x.ClientID != "" }

// LogValue masks the secret.
func (x X) LogValue() slog.Value {
	secret := ""
	if x.ClientSecret != "" {
		secret = "xxxxx"
	}
	return slog.GroupValue(
		slog.String("X_API_URL", x.APIURL),
		slog.String("X_CLIENT_ID", x.ClientID),
		slog.String("X_CLIENT_SECRET", secret),
	)
}

func loadX(getenv Getenv, errs []error) (X, []error) {
	x := X{
		APIURL:       strings.TrimRight(strings.TrimSpace(getenv("X_API_URL")), "/"),
		ClientID:     strings.TrimSpace(getenv("X_CLIENT_ID")),
		ClientSecret: strings.TrimSpace(getenv("X_CLIENT_SECRET")),
	}
	if x.APIURL == "" {
		x.APIURL = "https://api.x.com"
	}
	if u, err := url.Parse(x.APIURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		errs = append(errs, fmt.Errorf("X_API_URL=%q must be an http(s) URL like https://api.x.com", x.APIURL))
	}
	if (x.ClientID == "") != (x.ClientSecret == "") {
		errs = append(errs, errors.New("X_CLIENT_ID and X_CLIENT_SECRET must be set together (the API key and secret of your X app)"))
	}
	return x, errs
}

// Keys are the credential-encryption keys.
type Keys struct {
	Ring *secretbox.Keyring
	// Ephemeral is true when no TOKEN_ENCRYPTION_KEY was given and a random
	// key was made for this process (development over http only).
	Ephemeral bool
}

// LogValue shows key ids, never keys.
func (k Keys) LogValue() slog.Value {
	if k.Ring == nil {
		return slog.StringValue("")
	}
	return slog.GroupValue(
		slog.String("TOKEN_ENCRYPTION_KEY", "id "+k.Ring.CurrentKeyID()),
		slog.Bool("ephemeral", k.Ephemeral),
	)
}

// loadKeys reads TOKEN_ENCRYPTION_KEY (base64 of 32 bytes) and
// TOKEN_ENCRYPTION_OLD_KEYS (comma-separated, for rotation). Without a key a
// random one is made, unless requireKey (APP_URL is https: production).
func loadKeys(getenv Getenv, requireKey bool, errs []error) (Keys, []error) {
	raw := strings.TrimSpace(getenv("TOKEN_ENCRYPTION_KEY"))
	var current []byte
	ephemeral := false
	if raw == "" {
		if requireKey {
			return Keys{}, append(errs, errors.New("TOKEN_ENCRYPTION_KEY is not set, and APP_URL is https: set it to base64 of 32 random bytes (openssl rand -base64 32); losing it means every X account must be reconnected"))
		}
		current = make([]byte, 32)
		_, _ = rand.Read(current)
		ephemeral = true
	} else {
		k, err := secretbox.ParseKey(raw)
		if err != nil {
			return Keys{}, append(errs, fmt.Errorf("TOKEN_ENCRYPTION_KEY: %w", err))
		}
		current = k
	}
	var old [][]byte
	for i, s := range strings.Split(getenv("TOKEN_ENCRYPTION_OLD_KEYS"), ",") {
		if strings.TrimSpace(s) == "" {
			continue
		}
		k, err := secretbox.ParseKey(s)
		if err != nil {
			errs = append(errs, fmt.Errorf("TOKEN_ENCRYPTION_OLD_KEYS: key %d: %w", i+1, err))
			continue
		}
		old = append(old, k)
	}
	ring, err := secretbox.NewKeyring(current, old...)
	if err != nil {
		return Keys{}, append(errs, fmt.Errorf("TOKEN_ENCRYPTION_KEY: %w", err))
	}
	return Keys{Ring: ring, Ephemeral: ephemeral}, errs
}

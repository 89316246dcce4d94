// Package credential seals and opens the X access credentials stored on an
// integration row: "token:secret", AES-256-GCM, bound to the X account so a
// ciphertext copied onto another row does not open. It also checks at start
// that the configured keys open what is stored, and re-seals credentials
// with the current key after a rotation.
package credential

import (
	"errors"
	"fmt"
	"strings"

	"github.com/betterplan/betterplan/internal/secretbox"
	"github.com/betterplan/betterplan/internal/xclient"
)

// Sealed is a stored credential: the ciphertext, the id of the key that
// sealed it, and the X account it is bound to.
type Sealed struct {
	Platform  string // "x"
	AccountID string // the account's id at the platform
	Data      []byte
	KeyID     string
}

func aad(platform, accountID string) []byte {
	return []byte("integration:" + platform + ":" + accountID)
}

// Seal encrypts the credentials of X account accountID.
func Seal(keys *secretbox.Keyring, accountID string, c xclient.Credentials) (ciphertext []byte, keyID string) {
	return keys.Seal([]byte(c.Token+":"+c.Secret), aad("x", accountID))
}

// Open decrypts stored credentials. A key id the ring lacks is
// secretbox.ErrUnknownKey (errors.Is).
func Open(keys *secretbox.Keyring, s Sealed) (xclient.Credentials, error) {
	pt, err := keys.Open(s.Data, s.KeyID, aad(s.Platform, s.AccountID))
	if err != nil {
		return xclient.Credentials{}, fmt.Errorf("open credentials of %s account %s: %w", s.Platform, s.AccountID, err)
	}
	token, secret, ok := strings.Cut(string(pt), ":")
	if !ok || token == "" || secret == "" {
		return xclient.Credentials{}, errors.New("stored credentials are not token:secret")
	}
	return xclient.Credentials{Token: token, Secret: secret}, nil
}

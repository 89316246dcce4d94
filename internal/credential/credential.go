// Package credential seals and opens the X access credentials stored on an
// integration row: "token:secret", AES-256-GCM, bound to the X account so a
// ciphertext copied onto another row does not open.
package credential

import (
	"errors"
	"fmt"
	"strings"

	"github.com/betterplan/betterplan/db/dbq"
	"github.com/betterplan/betterplan/internal/secretbox"
	"github.com/betterplan/betterplan/internal/xclient"
)

func aad(platform, accountID string) []byte {
	return []byte("integration:" + platform + ":" + accountID)
}

// Seal encrypts the credentials of X account accountID.
func Seal(keys *secretbox.Keyring, accountID string, c xclient.Credentials) (ciphertext []byte, keyID string) {
	return keys.Seal([]byte(c.Token+":"+c.Secret), aad("x", accountID))
}

// Open decrypts an integration's credentials.
func Open(keys *secretbox.Keyring, row dbq.Integration) (xclient.Credentials, error) {
	pt, err := keys.Open(row.Credential, row.CredentialKeyID, aad(row.Platform, row.PlatformAccountID))
	if err != nil {
		return xclient.Credentials{}, fmt.Errorf("open credentials of integration %s: %w", row.ID, err)
	}
	token, secret, ok := strings.Cut(string(pt), ":")
	if !ok || token == "" || secret == "" {
		return xclient.Credentials{}, errors.New("stored credentials are not token:secret")
	}
	return xclient.Credentials{Token: token, Secret: secret}, nil
}

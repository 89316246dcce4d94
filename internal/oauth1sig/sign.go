package oauth1sig

import (
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base64"
)

// Sign returns base64(HMAC-SHA1(key, base)) where key is
// enc(consumerSecret) & enc(tokenSecret) (RFC 5849 §3.4.2). tokenSecret is
// empty for the request_token step, leaving the key ending in "&".
func Sign(base, consumerSecret, tokenSecret string) string {
	key := PercentEncode(consumerSecret) + "&" + PercentEncode(tokenSecret)
	mac := hmac.New(sha1.New, []byte(key))
	mac.Write([]byte(base))
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

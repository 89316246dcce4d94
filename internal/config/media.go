package config

import (
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
)

// mediaBucketURL reads MEDIA_BUCKET_URL, where media bytes live (the api
// writes them, the publisher reads them: both must name the same bucket).
// Unset, it is the directory .data/media under the working directory, as
// under make run. The bucket itself is opened (and reached) at start.
func mediaBucketURL(getenv Getenv, errs []error) (string, []error) {
	v := strings.TrimSpace(getenv("MEDIA_BUCKET_URL"))
	if v == "" {
		wd, err := os.Getwd()
		if err != nil {
			return "", append(errs, fmt.Errorf("MEDIA_BUCKET_URL is not set and the working directory is unknown (%v): set it, like file:///var/lib/betterplan/media", err))
		}
		return (&url.URL{Scheme: "file", Path: filepath.ToSlash(filepath.Join(wd, ".data", "media"))}).String(), errs
	}
	u, err := url.Parse(v)
	if err != nil || (u.Scheme != "file" && u.Scheme != "s3") {
		return "", append(errs, fmt.Errorf("MEDIA_BUCKET_URL=%q must be file:///path/to/dir or s3://bucket?region=…&endpoint=… (any S3-compatible store)", clip(MaskURL(v))))
	}
	return v, errs
}

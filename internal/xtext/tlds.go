package xtext

import (
	_ "embed"
	"strings"
	"unicode/utf8"
)

// tldsTxt lists the top-level domains, one per line (see gen_tables.go).
//
//go:embed tlds.txt
var tldsTxt string

// tldSet holds every TLD, ASCII-lower-cased; maxTLDRunes is the longest one.
var tldSet, maxTLDRunes = loadTLDs(tldsTxt)

func loadTLDs(s string) (map[string]struct{}, int) {
	set := make(map[string]struct{}, 1600)
	maxRunes := 0
	for _, line := range strings.Split(s, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		set[line] = struct{}{}
		if n := utf8.RuneCountInString(line); n > maxRunes {
			maxRunes = n
		}
	}
	return set, maxRunes
}

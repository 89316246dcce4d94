// Package e2e holds BetterPlan's browser tests: they build the api, the
// publisher and the X sandbox, run them as processes on free ports against a
// fresh migrated database, and drive Debian's Chromium through the web app
// with chromedp, checking every page with axe-core.
//
//	PGPORT=55439 go test ./web/e2e/     (make test runs them with the rest)
//
// Chromium is /usr/bin/chromium (CHROMIUM overrides it); when it is missing
// the tests run scripts/chromium.sh, which installs Debian's chromium package
// as root, and fail when it still is. axe-core comes from web/e2e's own
// package-lock.json (`npm ci` in web/e2e; the tests run it when
// node_modules is missing).
//
// Environment:
//
//	BETTERPLAN_E2E_FAILURES  where a failing test saves a screenshot, the
//	                         page's HTML, its console and the processes' logs
//	                         (default web/e2e/failures/, ignored by git)
//	BETTERPLAN_SCREENSHOTS   a directory: the flow test writes the README's
//	                         screenshots there (calendar, composer, posts);
//	                         `make screenshots` writes them into docs/screenshots/
//	BETTERPLAN_E2E_VISIBLE   1: show the browser window (needs a display)
package e2e

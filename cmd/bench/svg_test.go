package main

import (
	"encoding/xml"
	"strings"
	"testing"
	"time"
)

// TestLagSVG: the picture is well-formed SVG with one curve per scenario
// that sent posts, each ending at 100% at its largest lag.
func TestLagSVG(t *testing.T) {
	lags := []time.Duration{2 * time.Millisecond, 3 * time.Millisecond, 5 * time.Millisecond, 40 * time.Millisecond}
	results := []result{
		{name: "spread", lags: lags, lag: summarize(lags)},
		{name: "idle", idle: true},
		{name: "burst", lags: []time.Duration{time.Second, 2 * time.Second}, lag: summarize([]time.Duration{time.Second, 2 * time.Second})},
	}
	var b strings.Builder
	if err := writeLagSVG(&b, "2 CPUs", results); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		XMLName   xml.Name `xml:"svg"`
		Polylines []struct {
			Points string `xml:"points,attr"`
		} `xml:"polyline"`
		Texts []string `xml:"text"`
	}
	if err := xml.Unmarshal([]byte(b.String()), &doc); err != nil {
		t.Fatalf("not XML: %v\n%s", err, b.String())
	}
	if len(doc.Polylines) != 2 {
		t.Fatalf("%d curves, want 2 (idle sends nothing)", len(doc.Polylines))
	}
	// The spread curve ends at 40 ms and 100%.
	pts := strings.Fields(doc.Polylines[0].Points)
	// x: 60 + log10(40 ms / 1 ms) / log10(10 s / 1 ms) × 500 = 260.3.
	if last := pts[len(pts)-1]; last != "260.3,20.0" {
		t.Fatalf("spread ends at %s, want x=260.3 (40 ms), y=20.0 (100%%)", last)
	}
	legend := strings.Join(doc.Texts, "|")
	if !strings.Contains(legend, "|burst|p99 2000.0ms") || strings.Contains(legend, "idle") {
		t.Fatalf("legend: %v", doc.Texts)
	}
}

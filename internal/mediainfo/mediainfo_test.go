package mediainfo_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"image"
	"image/jpeg"
	"image/png"
	"strings"
	"testing"
	"time"

	"github.com/betterplan/betterplan/internal/mediainfo"
	"github.com/betterplan/betterplan/internal/mediainfo/mediatest"
)

func sniff(t *testing.T, b []byte) (mediainfo.Info, error) {
	t.Helper()
	return mediainfo.Sniff(bytes.NewReader(b), int64(len(b)))
}

func TestImages(t *testing.T) {
	img := image.NewRGBA(image.Rect(0, 0, 800, 320))
	var p, j bytes.Buffer
	_ = png.Encode(&p, img)
	_ = jpeg.Encode(&j, img, nil)
	for name, tc := range map[string]struct {
		data []byte
		mime string
	}{"png": {p.Bytes(), "image/png"}, "jpeg": {j.Bytes(), "image/jpeg"}} {
		info, err := sniff(t, tc.data)
		if err != nil || info.Kind != mediainfo.Image || info.MIME != tc.mime || info.Width != 800 || info.Height != 320 {
			t.Fatalf("%s: %+v %v", name, info, err)
		}
		if err := info.Check(int64(len(tc.data))); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if err := info.Check(6 << 20); err == nil || !strings.Contains(err.Error(), "up to 5 MB") {
			t.Fatalf("%s of 6 MB: %v", name, err)
		}
	}
	// A PNG's name or claimed type does not matter; a damaged one is refused.
	if _, err := sniff(t, p.Bytes()[:30]); err == nil || !strings.Contains(err.Error(), "damaged") {
		t.Fatalf("truncated PNG: %v", err)
	}
}

func TestGIF(t *testing.T) {
	still, err := sniff(t, mediatest.GIF(40, 30, 1))
	if err != nil || still.Kind != mediainfo.Image || still.Frames != 1 || still.Width != 40 {
		t.Fatalf("still GIF: %+v %v", still, err)
	}
	anim, err := sniff(t, mediatest.GIF(40, 30, 5))
	if err != nil || anim.Kind != mediainfo.GIF || anim.Frames != 5 || anim.MIME != "image/gif" {
		t.Fatalf("animated GIF: %+v %v", anim, err)
	}
	if err := anim.Check(14 << 20); err != nil {
		t.Fatal(err)
	}
	if err := anim.Check(16 << 20); err == nil || !strings.Contains(err.Error(), "up to 15 MB") {
		t.Fatalf("16 MB GIF: %v", err)
	}
	big, _ := sniff(t, mediatest.GIF(1300, 10, 2))
	if err := big.Check(1000); err == nil || !strings.Contains(err.Error(), "1300×10") {
		t.Fatalf("wide GIF: %v", err)
	}
	many, _ := sniff(t, mediatest.GIF(2, 2, 351))
	if err := many.Check(1000); err == nil || !strings.Contains(err.Error(), "351 frames") {
		t.Fatalf("351 frames: %v (%+v)", err, many)
	}
	whole := mediatest.GIF(40, 30, 5)
	if _, err := sniff(t, whole[:len(whole)-20]); err == nil || !strings.Contains(err.Error(), "damaged") {
		t.Fatalf("truncated GIF: %v", err)
	}
}

func webp(chunk string, payload []byte) []byte {
	b := []byte("RIFF\x00\x00\x00\x00WEBP" + chunk)
	b = binary.LittleEndian.AppendUint32(b, uint32(len(payload)))
	b = append(b, payload...)
	for len(b) < 40 {
		b = append(b, 0)
	}
	binary.LittleEndian.PutUint32(b[4:], uint32(len(b)-8))
	return b
}

func TestWebP(t *testing.T) {
	lossy := append([]byte{0x30, 0x01, 0x00, 0x9d, 0x01, 0x2a}, 0x20, 0x03, 0x40, 0x01) // 800×320
	lossless := []byte{0x2f}
	lossless = binary.LittleEndian.AppendUint32(lossless, uint32(800-1)|uint32(320-1)<<14)
	ext := []byte{0x00, 0, 0, 0, 0x1f, 0x03, 0x00, 0x3f, 0x01, 0x00} // canvas 800×320
	for name, b := range map[string][]byte{"VP8": webp("VP8 ", lossy), "VP8L": webp("VP8L", lossless), "VP8X": webp("VP8X", ext)} {
		info, err := sniff(t, b)
		if err != nil || info.MIME != "image/webp" || info.Width != 800 || info.Height != 320 {
			t.Fatalf("%s: %+v %v", name, info, err)
		}
	}
	anim := append([]byte{}, ext...)
	anim[0] = 0x02
	if _, err := sniff(t, webp("VP8X", anim)); err == nil || !strings.Contains(err.Error(), "animated WEBP") {
		t.Fatalf("animated WEBP: %v", err)
	}
}

func TestVideo(t *testing.T) {
	for name, m := range map[string]mediatest.Movie{
		"moov last":   mediatest.GoodMovie(),
		"moov first":  func() mediatest.Movie { m := mediatest.GoodMovie(); m.MoovFirst = true; return m }(),
		"64-bit mdat": func() mediatest.Movie { m := mediatest.GoodMovie(); m.LargeMdat = true; return m }(),
	} {
		info, err := sniff(t, m.Bytes())
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if info.Kind != mediainfo.Video || info.MIME != "video/mp4" || info.Duration != 5*time.Second || info.VideoCodec != "avc1" ||
			info.AudioCodec != "aac-lc" || info.Width != 1280 || info.Height != 720 || info.FPS != 30 {
			t.Fatalf("%s: %+v", name, info)
		}
		if err := info.Check(int64(len(m.Bytes()))); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
	}
	mov := mediatest.GoodMovie()
	mov.Brand = "qt  "
	if info, _ := sniff(t, mov.Bytes()); info.MIME != "video/quicktime" {
		t.Fatalf("MOV: %+v", info)
	}
	silent := mediatest.GoodMovie()
	silent.Audio = ""
	if info, err := sniff(t, silent.Bytes()); err != nil || info.Check(1000) != nil {
		t.Fatalf("a video without sound: %+v %v", info, err)
	}

	// What X refuses, in words.
	for want, change := range map[string]func(*mediatest.Movie){
		"H.265/HEVC":          func(m *mediatest.Movie) { m.Video = "hvc1" },
		"AAC-LC":              func(m *mediatest.Movie) { m.Audio = "he" },
		"0.5 to 140 seconds":  func(m *mediatest.Movie) { m.Duration = 141000 },
		"lasts 0.3 s":         func(m *mediatest.Movie) { m.Duration = 300 },
		"1920×1080":           func(m *mediatest.Movie) { m.W, m.H = 1920, 1080 },
		"120 frames a second": func(m *mediatest.Movie) { m.FPS = 120 },
		"no video track":      func(m *mediatest.Movie) { m.Video = "" },
		"ac-3":                func(m *mediatest.Movie) { m.Audio = "ac-3" },
	} {
		m := mediatest.GoodMovie()
		change(&m)
		info, err := sniff(t, m.Bytes())
		if err == nil {
			err = info.Check(1 << 20)
		}
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v", want, err)
		}
	}
	if err := (mediainfo.Info{Kind: mediainfo.Video, Duration: time.Minute, VideoCodec: "avc1", Width: 640, Height: 480}).Check(600 << 20); err == nil ||
		!strings.Contains(err.Error(), "up to 512 MB") {
		t.Fatalf("600 MB video: %v", err)
	}
}

// TestDamagedFiles: every cut of a valid file, and files that lie about
// their boxes, give an error and never a panic or a long read.
func TestDamagedFiles(t *testing.T) {
	full := mediatest.GoodMovie().Bytes()
	for n := range len(full) {
		if info, err := sniff(t, full[:n]); err == nil && info.Check(int64(n)) == nil && n < len(full)-10 {
			// A cut inside trailing padding may still describe the movie.
			if info.Duration != 5*time.Second {
				t.Fatalf("cut at %d accepted as %+v", n, info)
			}
		}
	}
	liar := append(mediatest.Box("ftyp", []byte("isom")), 0x7f, 0xff, 0xff, 0xff, 'm', 'd', 'a', 't')
	if _, err := sniff(t, liar); err == nil || !strings.Contains(err.Error(), "claims more bytes") {
		t.Fatalf("a box larger than the file: %v", err)
	}
	noMoov := mediatest.Box("ftyp", []byte("isom"))
	if _, err := sniff(t, noMoov); err == nil || !strings.Contains(err.Error(), "no movie box") {
		t.Fatalf("no moov: %v", err)
	}
	for name, b := range map[string][]byte{"text": []byte("hello, world"), "pdf": []byte("%PDF-1.7\n..."), "empty": nil} {
		if _, err := sniff(t, b); !errors.Is(err, mediainfo.ErrUnknown) {
			t.Errorf("%s: %v, want ErrUnknown", name, err)
		}
	}
}

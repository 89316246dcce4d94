// Package mediainfo tells what an uploaded file really is, from its bytes
// (never from its name or the type a client claims), and whether X would
// take it: JPEG, PNG, WEBP and GIF images (animated or not), and MP4/MOV
// video, whose duration, size and codecs come from its boxes. It reads
// headers only, so a 512 MB video costs a few reads.
package mediainfo

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"image"
	_ "image/gif" // image.DecodeConfig knows these
	_ "image/jpeg"
	_ "image/png"
	"io"
	"time"
)

// Kind is how X treats a file: a post has up to 4 images, or 1 GIF, or 1
// video.
type Kind string

const (
	Image Kind = "image"
	GIF   Kind = "gif" // animated; a still GIF is an Image
	Video Kind = "video"
)

// Info is what Sniff found.
type Info struct {
	Kind          Kind
	MIME          string // image/jpeg, image/png, image/webp, image/gif, video/mp4, video/quicktime
	Width, Height int
	Frames        int           // GIF frames
	Duration      time.Duration // video
	FPS           float64       // video, from the first video track's sample timing
	VideoCodec    string        // sample entry type, e.g. avc1, hvc1
	AudioCodec    string        // "" without audio; aac-lc, aac-he, mp4a, or the entry type
}

// ErrUnknown is a file that is none of the kinds X takes.
var ErrUnknown = errors.New("not a JPEG, PNG, WEBP or GIF image, nor an MP4 or MOV video: X takes only those")

// Sniff reads what r holds (size bytes).
func Sniff(r io.ReaderAt, size int64) (Info, error) {
	head := make([]byte, 64)
	n, err := r.ReadAt(head, 0)
	if err != nil && !errors.Is(err, io.EOF) {
		return Info{}, err
	}
	head = head[:n]
	switch {
	case bytes.HasPrefix(head, []byte{0xFF, 0xD8, 0xFF}):
		return still(r, size, "image/jpeg")
	case bytes.HasPrefix(head, []byte("\x89PNG\r\n\x1a\n")):
		return still(r, size, "image/png")
	case bytes.HasPrefix(head, []byte("GIF87a")), bytes.HasPrefix(head, []byte("GIF89a")):
		return sniffGIF(r, size)
	case len(head) >= 12 && string(head[0:4]) == "RIFF" && string(head[8:12]) == "WEBP":
		return sniffWebP(head)
	case len(head) >= 8 && isMP4Box(string(head[4:8])):
		return sniffMP4(r, size)
	}
	return Info{}, ErrUnknown
}

func still(r io.ReaderAt, size int64, mime string) (Info, error) {
	cfg, _, err := image.DecodeConfig(io.NewSectionReader(r, 0, size))
	if err != nil {
		return Info{}, fmt.Errorf("the %s image is damaged: %w", mime[len("image/"):], err)
	}
	return Info{Kind: Image, MIME: mime, Width: cfg.Width, Height: cfg.Height}, nil
}

// sniffGIF counts frames by walking the blocks (no pixel is decoded).
func sniffGIF(r io.ReaderAt, size int64) (Info, error) {
	br := &byteReader{r: io.NewSectionReader(r, 0, size)}
	hdr := br.next(13)
	if br.err != nil {
		return Info{}, errors.New("the GIF is damaged: it ends inside its header")
	}
	info := Info{Kind: Image, MIME: "image/gif", Width: int(binary.LittleEndian.Uint16(hdr[6:])), Height: int(binary.LittleEndian.Uint16(hdr[8:]))}
	if hdr[10]&0x80 != 0 {
		br.skip(3 << (hdr[10]&7 + 1)) // global color table
	}
	for br.err == nil {
		switch b := br.byte(); b {
		case 0x21: // extension: label, then sub-blocks
			br.byte()
			br.subBlocks()
		case 0x2C: // image: descriptor, local color table, LZW size, data
			desc := br.next(9)
			if br.err == nil && desc[8]&0x80 != 0 {
				br.skip(3 << (desc[8]&7 + 1))
			}
			br.byte()
			br.subBlocks()
			if br.err == nil {
				info.Frames++
			}
		case 0x3B:
			if info.Frames > 1 {
				info.Kind = GIF
			}
			if info.Frames == 0 {
				return Info{}, errors.New("the GIF has no image in it")
			}
			return info, nil
		default:
			if br.err == nil {
				return Info{}, fmt.Errorf("the GIF is damaged: unknown block 0x%02x", b)
			}
		}
	}
	return Info{}, errors.New("the GIF is damaged: it ends before its trailer")
}

// sniffWebP reads the canvas size of a lossy (VP8), lossless (VP8L) or
// extended (VP8X, which may be animated) WebP.
func sniffWebP(h []byte) (Info, error) {
	info := Info{Kind: Image, MIME: "image/webp"}
	if len(h) < 30 {
		return Info{}, errors.New("the WEBP image is damaged: it is too short")
	}
	switch string(h[12:16]) {
	case "VP8 ":
		if !bytes.Equal(h[23:26], []byte{0x9d, 0x01, 0x2a}) {
			return Info{}, errors.New("the WEBP image is damaged: no VP8 start code")
		}
		info.Width, info.Height = int(binary.LittleEndian.Uint16(h[26:])&0x3fff), int(binary.LittleEndian.Uint16(h[28:])&0x3fff)
	case "VP8L":
		if h[20] != 0x2f {
			return Info{}, errors.New("the WEBP image is damaged: no VP8L signature")
		}
		b := binary.LittleEndian.Uint32(h[21:])
		info.Width, info.Height = int(b&0x3fff)+1, int(b>>14&0x3fff)+1
	case "VP8X":
		info.Width = int(uint32(h[24])|uint32(h[25])<<8|uint32(h[26])<<16) + 1
		info.Height = int(uint32(h[27])|uint32(h[28])<<8|uint32(h[29])<<16) + 1
		if h[20]&0x02 != 0 {
			return Info{}, errors.New("animated WEBP: X takes animation only as GIF or video")
		}
	default:
		return Info{}, errors.New("the WEBP image is damaged: unknown chunk " + string(h[12:16]))
	}
	return info, nil
}

// byteReader reads forward and keeps the first error.
type byteReader struct {
	r   io.Reader
	err error
	buf [256]byte
}

func (b *byteReader) next(n int) []byte {
	if b.err != nil {
		return b.buf[:n]
	}
	_, b.err = io.ReadFull(b.r, b.buf[:n])
	return b.buf[:n]
}

func (b *byteReader) byte() byte { return b.next(1)[0] }

func (b *byteReader) skip(n int) {
	for n > 0 && b.err == nil {
		k := min(n, len(b.buf))
		b.next(k)
		n -= k
	}
}

func (b *byteReader) subBlocks() {
	for b.err == nil {
		n := int(b.byte())
		if n == 0 {
			return
		}
		b.skip(n)
	}
}

// Limits are X's, for a file of each kind.
const (
	MaxImageBytes = 5 << 20
	MaxGIFBytes   = 15 << 20
	MaxVideoBytes = 512 << 20
	maxGIFFrames  = 350
)

// Check says why X would refuse the file, or nil.
func (i Info) Check(size int64) error {
	switch i.Kind {
	case Image:
		if size > MaxImageBytes {
			return fmt.Errorf("the image is %s: X takes images up to 5 MB", mb(size))
		}
		if i.Width < 1 || i.Height < 1 {
			return errors.New("the image has no pixels")
		}
	case GIF:
		switch {
		case size > MaxGIFBytes:
			return fmt.Errorf("the GIF is %s: X takes animated GIFs up to 15 MB", mb(size))
		case i.Width > 1280 || i.Height > 1080:
			return fmt.Errorf("the GIF is %d×%d: X takes animated GIFs up to 1280×1080", i.Width, i.Height)
		case i.Frames > maxGIFFrames:
			return fmt.Errorf("the GIF has %d frames: X takes at most 350", i.Frames)
		}
	case Video:
		switch {
		case size > MaxVideoBytes:
			return fmt.Errorf("the video is %s: X takes videos up to 512 MB", mb(size))
		case i.Duration < 500*time.Millisecond || i.Duration > 140*time.Second:
			return fmt.Errorf("the video lasts %.1f s: X takes videos of 0.5 to 140 seconds", i.Duration.Seconds())
		case i.VideoCodec != "avc1" && i.VideoCodec != "avc3":
			return fmt.Errorf("the video is encoded as %s: X takes H.264 video", codecName(i.VideoCodec))
		case i.AudioCodec != "" && i.AudioCodec != "aac-lc":
			return fmt.Errorf("the video's sound is %s: X takes AAC-LC audio (or none)", i.AudioCodec)
		case i.Width < 32 || i.Height < 32 || i.Width > 1280 || i.Height > 1024:
			return fmt.Errorf("the video is %d×%d: X takes 32×32 to 1280×1024", i.Width, i.Height)
		case i.FPS > 60.5:
			return fmt.Errorf("the video has %.0f frames a second: X takes at most 60", i.FPS)
		}
	default:
		return ErrUnknown
	}
	return nil
}

func mb(n int64) string { return fmt.Sprintf("%.1f MB", float64(n)/(1<<20)) }

func codecName(c string) string {
	switch c {
	case "":
		return "nothing X can play (no video track)"
	case "hvc1", "hev1":
		return "H.265/HEVC"
	case "av01":
		return "AV1"
	case "vp09":
		return "VP9"
	}
	return c
}

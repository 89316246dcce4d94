package mediainfo

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"time"
)

// MP4 and MOV are ISO base media files: a sequence of boxes (size, type,
// body), the movie's description in "moov" (anywhere: often after the
// media data) and its tracks in moov/trak.

// maxMoov bounds the movie box read into memory; real ones are far smaller.
const maxMoov = 64 << 20

func isMP4Box(t string) bool {
	switch t {
	case "ftyp", "moov", "mdat", "wide", "free", "skip":
		return true
	}
	return false
}

// box is one box's type and body.
type box struct {
	typ  string
	body []byte
}

// children splits a container body into its boxes.
func children(b []byte) ([]box, error) {
	var out []box
	for len(b) > 0 {
		if len(b) < 8 {
			return nil, errors.New("a box is cut short")
		}
		size, hdr := uint64(binary.BigEndian.Uint32(b)), 8
		switch size {
		case 0:
			size = uint64(len(b))
		case 1:
			if len(b) < 16 {
				return nil, errors.New("a box is cut short")
			}
			size, hdr = binary.BigEndian.Uint64(b[8:]), 16
		}
		if size < uint64(hdr) || size > uint64(len(b)) {
			return nil, fmt.Errorf("box %q claims %d bytes, %d are left", string(b[4:8]), size, len(b))
		}
		out = append(out, box{typ: string(b[4:8]), body: b[hdr:size]})
		b = b[size:]
	}
	return out, nil
}

func child(b []byte, typ string) []byte {
	bs, _ := children(b)
	for _, c := range bs {
		if c.typ == typ {
			return c.body
		}
	}
	return nil
}

// readMoov walks the top-level boxes (skipping media data by its size)
// and returns the movie box's body.
func readMoov(r io.ReaderAt, size int64) ([]byte, error) {
	var hdr [16]byte
	for off := int64(0); off < size; {
		if _, err := r.ReadAt(hdr[:8], off); err != nil {
			return nil, errors.New("the video is damaged: it ends inside a box header")
		}
		n, h := int64(binary.BigEndian.Uint32(hdr[:])), int64(8)
		switch n {
		case 0:
			n = size - off
		case 1:
			if _, err := r.ReadAt(hdr[8:16], off+8); err != nil {
				return nil, errors.New("the video is damaged: it ends inside a box header")
			}
			n, h = int64(binary.BigEndian.Uint64(hdr[8:])), 16
		}
		if n < h || off+n > size {
			return nil, fmt.Errorf("the video is damaged: box %q claims more bytes than the file has", string(hdr[4:8]))
		}
		if string(hdr[4:8]) == "moov" {
			if n-h > maxMoov {
				return nil, errors.New("the video's description (moov) is implausibly large")
			}
			body := make([]byte, n-h)
			if _, err := r.ReadAt(body, off+h); err != nil {
				return nil, fmt.Errorf("the video is damaged: %w", err)
			}
			return body, nil
		}
		off += n
	}
	return nil, errors.New("the video has no movie box (moov): it is incomplete, or not an MP4/MOV")
}

func sniffMP4(r io.ReaderAt, size int64) (Info, error) {
	info := Info{Kind: Video, MIME: "video/mp4"}
	var brand [12]byte
	if _, err := r.ReadAt(brand[:], 0); err == nil && string(brand[4:8]) == "ftyp" && string(brand[8:12]) == "qt  " {
		info.MIME = "video/quicktime"
	}
	moov, err := readMoov(r, size)
	if err != nil {
		return Info{}, err
	}
	boxes, err := children(moov)
	if err != nil {
		return Info{}, fmt.Errorf("the video is damaged: %w", err)
	}
	for _, b := range boxes {
		switch b.typ {
		case "mvhd":
			info.Duration = mvhdDuration(b.body)
		case "trak":
			readTrack(b.body, &info)
		}
	}
	if info.VideoCodec == "" && info.AudioCodec == "" {
		return Info{}, errors.New("the video has no video or sound track")
	}
	return info, nil
}

// mvhdDuration is the movie's length from its header.
func mvhdDuration(b []byte) time.Duration {
	var scale, dur uint64
	switch {
	case len(b) >= 20 && b[0] == 0:
		scale, dur = uint64(binary.BigEndian.Uint32(b[12:])), uint64(binary.BigEndian.Uint32(b[16:]))
	case len(b) >= 32 && b[0] == 1:
		scale, dur = uint64(binary.BigEndian.Uint32(b[20:])), binary.BigEndian.Uint64(b[24:])
	}
	if scale == 0 {
		return 0
	}
	return time.Duration(float64(dur) / float64(scale) * float64(time.Second))
}

// readTrack records the first video and the first sound track.
func readTrack(trak []byte, info *Info) {
	mdia := child(trak, "mdia")
	hdlr := child(mdia, "hdlr")
	if len(hdlr) < 12 {
		return
	}
	stbl := child(child(mdia, "minf"), "stbl")
	stsd := child(stbl, "stsd")
	if len(stsd) < 16 {
		return
	}
	entries, err := children(stsd[8:])
	if err != nil || len(entries) == 0 {
		return
	}
	entry := entries[0]
	switch string(hdlr[8:12]) {
	case "vide":
		if info.VideoCodec != "" {
			return
		}
		info.VideoCodec = entry.typ
		if len(entry.body) >= 28 { // visual sample entry: width and height at 24
			info.Width, info.Height = int(binary.BigEndian.Uint16(entry.body[24:])), int(binary.BigEndian.Uint16(entry.body[26:]))
		}
		if scale := mdhdScale(child(mdia, "mdhd")); scale > 0 {
			if samples, dur := sttsTotals(child(stbl, "stts")); dur > 0 {
				info.FPS = float64(samples) * float64(scale) / float64(dur)
			}
		}
	case "soun":
		if info.AudioCodec != "" {
			return
		}
		info.AudioCodec = entry.typ
		if entry.typ == "mp4a" {
			info.AudioCodec = aacProfile(entry.body)
		}
	}
}

func mdhdScale(b []byte) uint32 {
	switch {
	case len(b) >= 16 && b[0] == 0:
		return binary.BigEndian.Uint32(b[12:])
	case len(b) >= 24 && b[0] == 1:
		return binary.BigEndian.Uint32(b[20:])
	}
	return 0
}

// sttsTotals is the number of samples and their total duration.
func sttsTotals(b []byte) (samples, dur uint64) {
	if len(b) < 8 {
		return 0, 0
	}
	n := int(binary.BigEndian.Uint32(b[4:]))
	for i := 0; i < n && 8+8*i+8 <= len(b); i++ {
		count, delta := uint64(binary.BigEndian.Uint32(b[8+8*i:])), uint64(binary.BigEndian.Uint32(b[12+8*i:]))
		samples += count
		dur += count * delta
	}
	return samples, dur
}

// aacProfile reads an mp4a entry's elementary stream descriptor (esds,
// directly in the entry or, in MOV files, inside a "wave" box): MPEG-4
// audio (object type 0x40) with audio object type 2 is AAC-LC.
func aacProfile(entry []byte) string {
	i := bytes.Index(entry, []byte("esds"))
	if i < 0 || i+8 > len(entry) {
		return "mp4a"
	}
	d := entry[i+8:] // after the type and the version/flags
	for len(d) > 2 {
		tag := d[0]
		n, l := descLen(d[1:])
		if l == 0 {
			return "mp4a"
		}
		body := d[1+l:]
		switch tag {
		case 0x03: // ES descriptor: id, flags, then nested descriptors
			if len(body) < 3 {
				return "mp4a"
			}
			flags, skip := body[2], 3
			if flags&0x80 != 0 {
				skip += 2
			}
			if flags&0x40 != 0 && len(body) > skip {
				skip += 1 + int(body[skip])
			}
			if flags&0x20 != 0 {
				skip += 2
			}
			if skip > len(body) {
				return "mp4a"
			}
			d = body[skip:]
		case 0x04: // decoder config: object type, then the decoder specific info
			if len(body) < 13 || body[0] != 0x40 {
				return "mp4a"
			}
			d = body[13:]
		case 0x05: // AudioSpecificConfig: the object type in the first 5 bits
			if len(body) < 1 {
				return "mp4a"
			}
			switch body[0] >> 3 {
			case 2:
				return "aac-lc"
			case 5, 29:
				return "aac-he"
			}
			return fmt.Sprintf("AAC (object type %d)", body[0]>>3)
		default:
			if n > len(body) {
				return "mp4a"
			}
			d = body[n:]
		}
	}
	return "mp4a"
}

// descLen reads an MPEG-4 descriptor length (1 to 4 bytes, 7 bits each).
func descLen(b []byte) (n, used int) {
	for used < 4 && used < len(b) {
		c := b[used]
		n = n<<7 | int(c&0x7f)
		used++
		if c&0x80 == 0 {
			return n, used
		}
	}
	return 0, 0
}

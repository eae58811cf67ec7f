package atlas

import (
	"bytes"
	"encoding/binary"
)

// aarField is one header field for the test archive writer: a 4-byte key and
// its value bytes (for blob fields, the size is filled in from payload).
type aarField struct {
	key     string
	value   []byte
	payload []byte // for blob subtypes A/B/C
}

func aarU(key string, v uint64) aarField {
	n := int(key[3] - '0')
	b := make([]byte, 8)
	binary.LittleEndian.PutUint64(b, v)
	return aarField{key: key, value: b[:n]}
}

func aarStr(key, s string) aarField {
	return aarField{key: key, value: append(binary.LittleEndian.AppendUint16(nil, uint16(len(s))), s...)}
}

func aarBlobField(key string, payload []byte) aarField {
	return aarField{key: key, payload: payload}
}

// xattrBlob encodes extended attributes as an XAT payload.
func xattrBlob(xs ...XAttr) []byte {
	var b []byte
	for _, x := range xs {
		b = binary.LittleEndian.AppendUint32(b, uint32(4+len(x.Name)+1+len(x.Value)))
		b = append(b, x.Name...)
		b = append(b, 0)
		b = append(b, x.Value...)
	}
	return b
}

// writeAARRecord encodes one record with magic "AA01".
func writeAARRecord(fields ...aarField) []byte {
	return writeAARRecordMagic("AA01", fields...)
}

func writeAARRecordMagic(magic string, fields ...aarField) []byte {
	var hdr, payloads []byte
	for _, f := range fields {
		hdr = append(hdr, f.key...)
		switch f.key[3] {
		case 'A':
			hdr = binary.LittleEndian.AppendUint16(hdr, uint16(len(f.payload)))
		case 'B':
			hdr = binary.LittleEndian.AppendUint32(hdr, uint32(len(f.payload)))
		case 'C':
			hdr = binary.LittleEndian.AppendUint64(hdr, uint64(len(f.payload)))
		default:
			hdr = append(hdr, f.value...)
			continue
		}
		payloads = append(payloads, f.payload...)
	}
	rec := append([]byte(magic), 0, 0)
	binary.LittleEndian.PutUint16(rec[4:], uint16(6+len(hdr)))
	rec = append(rec, hdr...)
	return append(rec, payloads...)
}

// aarFile is a regular-file record as `aa archive -include-field
// typ,pat,dat` would write it, plus any extra fields before DAT.
func aarFile(name string, data []byte, extra ...aarField) []byte {
	fields := append([]aarField{aarU("TYP1", 'F'), aarStr("PATP", name)}, extra...)
	fields = append(fields, aarBlobField("DATB", data))
	return writeAARRecord(fields...)
}

// aarLink is a symbolic-link record.
func aarLink(name, target string) []byte {
	return writeAARRecord(aarU("TYP1", 'L'), aarStr("PATP", name), aarStr("LNKP", target))
}

// aarFileWithCRC is a regular-file record whose last field is an XAT blob
// holding com.apple.dyld.crc32c, stamped the way dyld's archive-crcer.py
// stamps it: length through the CRC field, then CRC-32C of the bytes before
// the CRC field.
func aarFileWithCRC(name string, data []byte) []byte {
	rec := writeAARRecord(aarU("TYP1", 'F'), aarStr("PATP", name), aarBlobField("DATB", data),
		aarBlobField("XATA", xattrBlob(XAttr{Name: dyldCRCXattr, Value: make([]byte, 8)})))
	i := bytes.LastIndex(rec, []byte(dyldCRCXattr+"\x00"))
	lenAt := i + len(dyldCRCXattr) + 1
	binary.LittleEndian.PutUint32(rec[lenAt:], uint32(lenAt+8))
	binary.LittleEndian.PutUint32(rec[lenAt+4:], CRC32C(rec[:lenAt+4]))
	return rec
}

func concat(parts ...[]byte) []byte {
	var b []byte
	for _, p := range parts {
		b = append(b, p...)
	}
	return b
}

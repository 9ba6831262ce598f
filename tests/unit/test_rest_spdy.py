"""SPDY/3.1 frames and compressed header blocks round-trip; partial frames wait for the rest."""
import struct

from controlplane.apiserver.rest import spdy


def test_dictionary_is_spdy3s_1423_bytes():
    assert len(spdy.DICTIONARY) == 1423
    assert spdy.DICTIONARY.startswith(b"\x00\x00\x00\x07options\x00\x00\x00\x04head")
    assert spdy.DICTIONARY.endswith(b"charset=iso-8859-1,utf-,*,enq=0.")


def test_header_blocks_share_one_zlib_stream_per_direction():
    writer, reader = spdy.HeaderWriter(), spdy.HeaderReader()
    first = {"streamtype": "data", "port": "80", "requestid": "0"}
    second = {"streamtype": "error", "port": "80", "requestid": "0"}
    assert reader.read(writer.write(first)) == first
    assert reader.read(writer.write(second)) == second


def test_syn_stream_read_from_a_byte_stream_split_anywhere():
    writer, reader = spdy.HeaderWriter(), spdy.HeaderReader()
    syn = spdy.control(spdy.SYN_STREAM, struct.pack(">IIBB", 3, 0, 0, 0) + writer.write({"port": "8080"}))
    wire = syn + spdy.data(3, b"hello", fin=True)
    buffer = bytearray(wire[:5])
    assert spdy.read_frames(buffer) == []
    buffer += wire[5:]
    syn_frame, data_frame = spdy.read_frames(buffer)
    assert spdy.syn_stream_headers(syn_frame, reader) == (3, {"port": "8080"})
    assert (data_frame.stream_id, data_frame.payload, data_frame.flags) == (3, b"hello", spdy.FLAG_FIN)
    assert buffer == bytearray()

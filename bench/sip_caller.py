"""A sipp caller for bench/calls.py: the scenario and the audio every caller plays.

The caller comes from the operator trunk's address (TRUNK_IP, on loopback), keys 1
during the language menu (RFC 4733 events), speaks after the beep (espeak-ng Korean,
PCMU) and stays silent until the line stops recording, then waits for the line to
hang up. sipp plays the RTP from a pcap this module writes, replacing its addresses
and ports with the call's own.
"""

from __future__ import annotations

import socket
import struct
from pathlib import Path

import numpy as np

from core import prompts
from tests.fixtures.asterisk import read_wav, say, voiced_span

TRUNK_IP = "127.0.0.2"
SPEECH = "어젯밤 무장한 사람들이 마을에 들어와서 집들을 불태웠습니다 사람들이 숲으로 도망갔습니다"
# Key 1, again in case the menu had not started yet: all during the first option, before its
# listening window, so the voice menu adds nothing to the timeline below (checked with 5 callers).
DTMF_AT = (1.0, 1.8, 2.6)
MARGIN = 2.0                    # seconds between the beep and the speech

SCENARIO = """<?xml version="1.0" encoding="ISO-8859-1" ?>
<scenario name="sauti caller">
  <send retrans="500"><![CDATA[
INVITE sip:100@[remote_ip]:[remote_port] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
From: <sip:+24381[call_number]@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]
To: <sip:100@[remote_ip]:[remote_port]>
Call-ID: [call_id]
CSeq: 1 INVITE
Contact: <sip:+24381[call_number]@[local_ip]:[local_port]>
Max-Forwards: 70
Content-Type: application/sdp
Content-Length: [len]

v=0
o=- 1 1 IN IP4 [media_ip]
s=-
c=IN IP4 [media_ip]
t=0 0
m=audio [media_port] RTP/AVP 0 101
a=rtpmap:0 PCMU/8000
a=rtpmap:101 telephone-event/8000
a=fmtp:101 0-16
a=sendrecv
]]></send>
  <recv response="100" optional="true"/>
  <recv response="180" optional="true"/>
  <recv response="183" optional="true"/>
  <recv response="200" rtd="true"/>
  <send><![CDATA[
ACK sip:100@[remote_ip]:[remote_port] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
From: <sip:+24381[call_number]@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]
To: <sip:100@[remote_ip]:[remote_port]>[peer_tag_param]
Call-ID: [call_id]
CSeq: 1 ACK
Max-Forwards: 70
Content-Length: 0

]]></send>
  <nop><action><exec play_pcap_audio="{pcap}"/></action></nop>
  <recv request="BYE" timeout="{bye_ms}"/>
  <send><![CDATA[
SIP/2.0 200 OK
[last_Via:]
[last_From:]
[last_To:]
[last_Call-ID:]
[last_CSeq:]
Content-Length: 0

]]></send>
</scenario>
"""



def ulaw(samples: np.ndarray) -> bytes:
    """G.711 mu-law."""
    s = samples.astype(np.int32)
    sign = (s < 0).astype(np.int32) << 7
    magnitude = np.minimum(np.abs(s), 32635) + 0x84
    exponent = np.clip(np.floor(np.log2(magnitude)).astype(np.int32) - 7, 0, 7)
    mantissa = (magnitude >> (exponent + 3)) & 0x0F
    return (~(sign | (exponent << 4) | mantissa) & 0xFF).astype(np.uint8).tobytes()


def rtp_packets(speech: np.ndarray, speech_at: float, silence_after: float):
    """(time, RTP packet): PCMU every 20 ms, RFC 4733 key 1 at DTMF_AT, the speech at `speech_at`."""
    total = speech_at + len(speech) / 8000 + silence_after
    audio = np.zeros(int(total * 8000) + 160, dtype=np.int16)
    start = int(speech_at * 8000)
    audio[start:start + len(speech)] = speech
    seq, packets = 0, []
    dtmf_frames = {int(t * 50): t for t in DTMF_AT}
    frame, frames = 0, int(total * 50)
    while frame < frames:
        ts = frame * 160
        if frame in dtmf_frames:
            for i in range(8):    # 5 packets of a 100 ms event, then 3 copies of its end
                end = i >= 5
                duration = min(i + 1, 5) * 160
                payload = struct.pack("!BBH", 1, (0x80 if end else 0) | 10, duration)
                header = struct.pack("!BBHII", 0x80, (0x80 if i == 0 else 0) | 101, seq & 0xFFFF, ts, 0x5A017)
                packets.append(((frame + min(i, 5)) / 50, header + payload))
                seq += 1
            frame += 6
            continue
        header = struct.pack("!BBHII", 0x80, 0, seq & 0xFFFF, ts, 0x5A017)
        packets.append((frame / 50, header + ulaw(audio[ts:ts + 160])))
        seq += 1
        frame += 1
    return packets


def write_pcap(path: Path, packets) -> None:
    """Ethernet/IPv4/UDP frames; sipp replaces the addresses and ports with the call's own."""
    with open(path, "wb") as out:
        out.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        for at, rtp in packets:
            udp = struct.pack("!HHHH", 6000, 7000, 8 + len(rtp), 0) + rtp
            ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 0, 0, 64, 17, 0,
                             socket.inet_aton(TRUNK_IP), socket.inet_aton("127.0.0.1")) + udp
            frame = b"\x00" * 12 + b"\x08\x00" + ip
            out.write(struct.pack("<IIII", int(at), int((at % 1) * 1e6), len(frame), len(frame)) + frame)


def caller_audio(workdir: Path, prompts_dir: Path) -> tuple[Path, float, float]:
    """The pcap every caller plays; returns (pcap, speech seconds, voiced seconds)."""
    wav = say(SPEECH, "ko", workdir / "speech.wav")
    speech, _ = read_wav(wav)
    first, last = voiced_span(wav)
    # sipp plays a fixed timeline, so it must know what the line says before the beep once
    # 1 is keyed during the menu: the welcome, the recording prompt, the beep.
    before_beep = sum(prompts.check_audio(prompts.audio_path(prompts_dir, "sw", p)).seconds
                      for p in ("welcome", "record_after_beep"))
    before_beep += prompts.check_audio(prompts.audio_path(prompts_dir, prompts.COMMON, prompts.BEEP)).seconds
    packets = rtp_packets((speech * 32767).astype(np.int16), DTMF_AT[0] + before_beep + MARGIN, 8.0)
    write_pcap(workdir / "caller.pcap", packets)
    return workdir / "caller.pcap", len(speech) / 8000, last - first

"""CAP 1.2 (OASIS Common Alerting Protocol) for each alert, and an Atom feed of them.

Element order follows the CAP 1.2 schema (the tests validate against the official XSD).
Times are UTC written as +00:00, without fractions: CAP's dateTime pattern allows
neither "Z" nor fractional seconds.
"""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET

from .records import Record

CAP_NS = "urn:oasis:names:tc:emergency:cap:1.2"
ATOM_NS = "http://www.w3.org/2005/Atom"
CAP_MIME = "application/cap+xml"
# Priority (the lexicon's score) to CAP severity; verified alerts are observed facts.
SEVERITY = ((6.0, "Severe"), (3.0, "Moderate"), (0.5, "Minor"))


def cap_time(moment: dt.datetime) -> str:
    return moment.astimezone(dt.timezone.utc).replace(microsecond=0).isoformat()


def identifier(record: Record, sender: str) -> str:
    return f"{_token(sender)}-{record.reference}"


def _token(text: str) -> str:
    """CAP identifiers and senders: no spaces, commas or markup characters."""
    return "".join(c for c in text if not c.isspace() and c not in ',<>&"\'') or "sauti"


def _sub(parent, name: str, text=None):
    element = ET.SubElement(parent, f"{{{CAP_NS}}}{name}")
    if text is not None:
        element.text = str(text)
    return element


def severity(priority: float) -> str:
    return next((label for floor, label in SEVERITY if priority >= floor), "Unknown")


def alert_element(record: Record, sender: str, area_radius_km: float) -> ET.Element:
    alert = ET.Element(f"{{{CAP_NS}}}alert")
    _sub(alert, "identifier", identifier(record, sender))
    _sub(alert, "sender", _token(sender))
    _sub(alert, "sent", cap_time(record.updated))
    _sub(alert, "status", "Actual")
    _sub(alert, "msgType", "Alert")
    _sub(alert, "source", "Sauti community early-warning line")
    _sub(alert, "scope", "Restricted")
    _sub(alert, "restriction", "Early-warning partners; community reports, verified by the line's verifiers")
    if record.incident is not None:
        _sub(alert, "note", f"incident {record.incident}")
    info = _sub(alert, "info")
    _sub(info, "language", {"sw": "sw", "ln": "ln", "fr": "fr"}.get(record.language or "", "und"))
    _sub(info, "category", "Security")
    _sub(info, "event", ", ".join(record.category_names) or "Community alert")
    _sub(info, "urgency", "Immediate" if record.status == "escalated" else "Expected")
    _sub(info, "severity", severity(record.priority))
    _sub(info, "certainty", "Observed")
    for category in record.categories:
        code = _sub(info, "eventCode")
        _sub(code, "valueName", "sauti-category")
        _sub(code, "value", category)
    _sub(info, "effective", cap_time(record.received))
    _sub(info, "senderName", "Sauti")
    _sub(info, "headline", f"{record.reference}: {', '.join(record.category_names) or 'community alert'}"[:160])
    if record.description:
        _sub(info, "description", record.description)
    parameter = _sub(info, "parameter")
    _sub(parameter, "valueName", "sauti-status")
    _sub(parameter, "value", record.status)
    if record.source:
        parameter = _sub(info, "parameter")
        _sub(parameter, "valueName", "sauti-source")
        _sub(parameter, "value", record.source)
    for recording in record.recordings:
        resource = _sub(info, "resource")
        _sub(resource, "resourceDesc", "recording of the alert")
        _sub(resource, "mimeType", f"audio/{recording['format'] or 'wav'}")
        if recording["bytes"]:
            _sub(resource, "size", recording["bytes"])
        _sub(resource, "uri", recording["path"])
    if record.locality:
        area = _sub(info, "area")
        place = record.place
        _sub(area, "areaDesc", ", ".join(p for p in (place.name, place.territory, place.province) if p)
             if place else f"locality {record.locality}")
        if place and place.has_position:
            _sub(area, "circle", f"{place.latitude},{place.longitude} {area_radius_km}")
        geocode = _sub(area, "geocode")
        _sub(geocode, "valueName", "sauti-locality")
        _sub(geocode, "value", record.locality)
    return alert


def alert_xml(record: Record, config) -> bytes:
    ET.register_namespace("", CAP_NS)
    element = alert_element(record, config.exports.sender, config.exports.area_radius_km)
    return ET.tostring(element, encoding="utf-8", xml_declaration=True)


def feed(records: list[Record], config, now: dt.datetime | None = None, self_url: str = "") -> bytes:
    """An Atom feed with one entry per alert, the CAP alert in the entry's content."""
    ET.register_namespace("", ATOM_NS)
    ET.register_namespace("cap", CAP_NS)
    now = now or dt.datetime.now(dt.timezone.utc)
    sender = config.exports.sender
    root = ET.Element(f"{{{ATOM_NS}}}feed")
    ET.SubElement(root, f"{{{ATOM_NS}}}id").text = f"urn:sauti:{_token(sender)}:cap"
    ET.SubElement(root, f"{{{ATOM_NS}}}title").text = "Sauti: verified and escalated alerts (CAP 1.2)"
    newest = max((r.updated for r in records), default=now)
    ET.SubElement(root, f"{{{ATOM_NS}}}updated").text = cap_time(newest)
    ET.SubElement(ET.SubElement(root, f"{{{ATOM_NS}}}author"), f"{{{ATOM_NS}}}name").text = _token(sender)
    if self_url:
        ET.SubElement(root, f"{{{ATOM_NS}}}link", rel="self", href=self_url)
    for record in reversed(records):   # newest first, as feeds are read
        entry = ET.SubElement(root, f"{{{ATOM_NS}}}entry")
        ET.SubElement(entry, f"{{{ATOM_NS}}}id").text = f"urn:sauti:{identifier(record, sender)}"
        ET.SubElement(entry, f"{{{ATOM_NS}}}title").text = f"{record.reference}: {record.status}"
        ET.SubElement(entry, f"{{{ATOM_NS}}}updated").text = cap_time(record.updated)
        content = ET.SubElement(entry, f"{{{ATOM_NS}}}content", type=CAP_MIME)
        content.append(alert_element(record, sender, config.exports.area_radius_km))
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)

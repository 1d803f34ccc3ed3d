"""The SMS service: Kannel's smsbox hands each inbound SMS to it over HTTP on loopback,
and it files them as alerts, scored by the lexicons at once, and sends the receipt.

    receiver.py   the HTTP server smsbox calls (inbound messages, delivery reports)
    inbound.py    reading smsbox's request, filing the alert (core/store/sms.py)
    language.py   sw / ln / fr from the words
    locality.py   a gazetteer code or name in the text
    outbound.py   sending through smsbox's sendsms, delivery report states

It imports core only (tests/test_layering.py); the gateway itself is smsgw/, run by the CLI.
"""

"""How well `sms/language.py` tells Kiswahili, Lingala and French apart: prints figures, asserts nothing.

    .venv/bin/python bench/sms_language.py [--show-misses]

The messages below were written for this benchmark in the styles field SMS take (no
accents, abbreviations, a language mixed with French or Swahili, very short ones), not
collected from reporters: treat the figure as a floor check, and add real, anonymised
messages here as a network sends them. Each line: the expected language, then the text.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from core.lexicon import Lexicons  # noqa: E402
from sms import language  # noqa: E402

MESSAGES = """
sw	Watu wenye silaha wameingia kijijini usiku huu
sw	wanajeshi wamechoma nyumba tatu huko mbau leo asubuhi
sw	tafadhali saidieni, kuna mapigano karibu na shule
sw	watoto wawili wametekwa jana jioni njiani kwenda shamba
sw	habari, adf wamepita hapa saa nane usiku wakielekea msituni
sw	tunaogopa sana, watu wanakimbia kijiji chote
sw	Mai-Mai wanadai pesa kwa kila mtu barabarani
sw	askari wamepiga risasi sokoni, watu wengi wameumia
sw	wanawake wamebakwa shambani, tunahitaji msaada haraka
sw	wameiba ng'ombe zote za kijiji usiku
sw	hali si nzuri hapa, watu wa silaha wako karibu
sw	bado wako hapa, hatuwezi kutoka nyumbani
ln	bato ya bandoki bakoti na mboka butu oyo
ln	basoda bazali kobeta bato na zando
ln	tosalisa biso, etumba ezali pene ya eteyelo
ln	bana mibale babotami lobi na nzela ya bilanga
ln	bato bazali kokima mboka mobimba
ln	batumbi ndako misato awa lelo na ntongo
ln	bazali kosenga mbongo na bato nyonso na nzela
ln	makambo ezali mabe penza awa, bato ya bitumba bayei
ln	tozali kobanga mingi, bango bazali kaka awa
ln	bayibi ngombe nyonso ya mboka na butu
ln	basi bazwi mobulu na bilanga, tosenga lisungi
ln	eloko moko te, bato bakufi mibale
fr	des hommes armes sont entres dans le village cette nuit
fr	les militaires ont brule trois maisons ce matin
fr	svp aidez nous il y a des combats pres de l ecole
fr	deux enfants enleves hier soir sur la route des champs
fr	ds le quartier ya bcp de militaires pr piller
fr	on a peur, tout le monde fuit le village
fr	ils demandent de l argent a chaque barriere
fr	tirs au marche, plusieurs blesses
fr	femmes violees aux champs, besoin d aide urgent
fr	vol de betail cette nuit par des hommes en tenue
fr	situation tendue ici, groupe arme tout pres
fr	ils sont tjrs la, on ne peut pas sortir
ln	svp bato ya bitumba bakoti na 1101
sw	urgent: wanajeshi wako hapa sasa hivi
ln	merci, ba soldats bazali awa na mboka
fr	alerte mbau, attaque en cours
sw	msaada!!
ln	mobulu na zando
fr	au secours
sw	ADF Oicha usiku
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--show-misses", action="store_true", help="Print each message detected wrongly.")
    args = parser.parse_args()
    lexicons = Lexicons()
    cases = [line.split("\t", 1) for line in MESSAGES.strip().splitlines()]
    confusion: Counter = Counter()
    for expected, text in cases:
        found = language.detect(text, lexicons)
        confusion[(expected, found)] += 1
        if args.show_misses and found != expected:
            print(f"  {expected} -> {found}: {text}")
    right = sum(n for (expected, found), n in confusion.items() if expected == found)
    undecided = sum(n for (_, found), n in confusion.items() if found is None)
    print(f"messages: {len(cases)}")
    print(f"right: {right} ({100 * right / len(cases):.0f}%), undecided (default language, flagged): {undecided}, "
          f"wrong: {len(cases) - right - undecided}")
    for expected in language.LANGUAGES:
        total = sum(n for (e, _), n in confusion.items() if e == expected)
        ok = confusion[(expected, expected)]
        print(f"  {expected}: {ok}/{total}" + "".join(
            f", {n} as {found or 'undecided'}" for (e, found), n in sorted(confusion.items(), key=str)
            if e == expected and found != expected))


if __name__ == "__main__":
    main()

"""Which of Kiswahili, Lingala and French an SMS is written in, from its words alone.

A small scorer, no model: each language has a list of common words (function words,
everyday nouns and verbs, SMS abbreviations such as `ds`, `pr`, `bcp`), matched after the
lexicons' normalisation (no case, no accents, no apostrophes), plus one point per risk term
of that language's own lexicon (not the shared names.txt). The language with most points wins; a tie or no point at all
gives no answer (the caller falls back on the default language and flags it inferred).
Words shared by Swahili and Lingala (na, ya, moto) are in neither list, nor is Lingala's
`mai` (water), which every "Mai-Mai" would score.
"""

from __future__ import annotations

from core.lexicon import Lexicons, normalize

WORDS = {
    "sw": """
        wa kwa ni za la katika hii hiyo huko hapa leo jana kesho usiku asubuhi mchana sasa bado pia
        lakini au kama baada kabla sana wengi wote mtu watu kijiji vijiji mji nyumba nyumbani shamba
        barabara wanawake wanaume watoto mama baba askari wanajeshi jeshi kuna hakuna tuko wako yuko
        sisi wao yetu wetu wenu yao tumeona wameingia wamefika wamekuja wanakuja wanatoka habari
        tafadhali saidia msaada haraka karibu kati juu chini wenye bila mpaka tangu kutoka hatari
        """,
    "ln": """
        te ezali bazali ezalaki bazalaki bato mboka lelo lobi butu ntongo ndako basi mibali bana
        biso bango bino ngai yo ye mpo kasi kaka lisusu likambo makambo nzela zamba mwasi mobali
        eloko nyonso sikoyo mokolo awa kuna wapi nini boni mingi makasi tokosala toza tozali bayei
        bakoti bakei bakendeki bayaki koya kokende kosala lokola penza malamu mabe mosusu moko mibale
        sango lisungi bosalisa tosalisa nzoto bilanga
        """,
    "fr": """
        le la les de des du et est sont un une dans sur avec pour par au aux nous vous ils il elle
        elles on ce cette ces qui que quoi ou mais pas ne plus tres village hommes femmes enfants
        maison matin soir nuit hier aujourdhui demain ont ete etait sommes venus arrives entres
        aide urgent urgence svp stp merci bonjour ici depuis vers route quartier beaucoup
        ds pr bcp ms tt pk jsp auj dj
        """,
}
LANGUAGES = tuple(WORDS)
_WORD_SETS = {lang: frozenset(words.split()) for lang, words in WORDS.items()}


def scores(text: str, lexicons: Lexicons | None = None) -> dict[str, int]:
    tokens = normalize(text).split()
    found = {lang: sum(1 for token in tokens if token in words) for lang, words in _WORD_SETS.items()}
    if lexicons is not None:
        shared = len(lexicons.get(None).match_text(text))   # names.txt: in every language's lexicon
        for lang in LANGUAGES:
            found[lang] += len(lexicons.get(lang).match_text(text)) - shared
    return found


def detect(text: str, lexicons: Lexicons | None = None) -> str | None:
    """The language with the most points, or None on a tie or when nothing matched."""
    found = scores(text, lexicons)
    best = max(found.values())
    leaders = [lang for lang, points in found.items() if points == best]
    return leaders[0] if best > 0 and len(leaders) == 1 else None

#!/usr/bin/env python3
"""Generate filters/words_specials.h: the special cases ("tokenizer
exceptions") of spaCy's blank English tokenizer (spaCy 3.8), the tokenizer
datatrove's English word counts come from.  Each special case is a whole
string that spaCy splits into fixed tokens ("don't" -> "do" "n't", "cannot"
-> "can" "not", "Jan." whole, "4pm" -> "4" "pm", ":)" whole), looked up on a
whitespace chunk and on what is left of it as prefixes and suffixes come off.

The rules below restate spaCy's lists (spacy/lang/tokenizer_exceptions.py,
spacy/lang/en/tokenizer_exceptions.py, spacy.util.update_exc): the pronoun,
W-word and verb contractions with and without the apostrophe, lower and
title case, minus the ambiguous words spaCy excludes; the other
contractions, times, abbreviations, single letters with a period and
emoticons; then each one with "'" again with U+2019 in its place.
Special cases of whitespace are left out: sluice's chunks hold none.

Run: tools/gen-spacy-specials.py > filters/words_specials.h
"""

exc = {}


def add(orth, *toks):
    toks = toks or (orth,)
    assert "".join(toks) == orth, (orth, toks)
    exc[orth] = list(toks)


# base: marks, single letters with a period, emoticons
for o in ["'", '\\")', "<space>", "''", "C++", "\\t", "\\n"]:
    add(o)
for c in "abcdefghijklmnopqrstuvwxyzäöü":
    add(c + ".")
EMOTICONS = r"""
:) :-) :)) :-)) :))) :-))) (: (-: =) (= :] :-] [: [-: [= =] :o) (o: :} :-} 8) 8-) (-8
;) ;-) (; (-; :( :-( :(( :-(( :((( :-((( ): )-: =( >:( :') :'-) :'( :'-( :/ :-/ =/ =|
:| :-| ]= =[ :1 :P :-P :p :-p :O :-O :o :-o :0 :-0 :() >:o :* :-* :3 :-3 =3 :> :-> :X
:-X :x :-x :D :-D ;D ;-D =D xD XD xDD XDD 8D 8-D ^_^ ^__^ ^___^ >.< >.> <.< ._. ;_; -_-
-__- v.v V.V v_v V_V o_o o_O O_o O_O 0_o o_0 0_0 o.O O.o O.O o.o 0.0 o.0 0.o @_@ <3 <33
<333 </3 (^_^) (-_-) (._.) (>_<) (*_*) (¬_¬) ಠ_ಠ ಠ︵ಠ (ಠ_ಠ) ¯\(ツ)/¯ (╯°□°）╯︵┻━┻ ><(((*>
""".split()
for o in EMOTICONS:
    add(o)
for u in "cfkCFK":
    add("°" + u + ".", "°", u, ".")

# English
EXCLUDE = {"Ill", "ill", "Its", "its", "Hell", "hell", "Shell", "shell", "Shed", "shed",
           "were", "Were", "Well", "well", "Whore", "whore"}
en = {}


def e(orth, *toks):
    assert "".join(toks) == orth, (orth, toks)
    en[orth] = list(toks)


def cases(w):
    return [w, w.title()]


def both(o, *sufs):
    """o and the contraction sufs, with their apostrophes and without."""
    e(o + "".join(sufs), o, *sufs)
    bare = [x.replace("'", "") for x in sufs]
    e(o + "".join(bare), o, *bare)


for o in cases("i"):
    both(o, "'m")
    both(o, "'m", "a")
for p in ["i", "you", "he", "she", "it", "we", "they"]:
    for o in cases(p):
        for sufs in [("'ll",), ("'ll", "'ve"), ("'d",), ("'d", "'ve")]:
            both(o, *sufs)
for p in ["i", "you", "we", "they"]:
    for o in cases(p):
        both(o, "'ve")
for p in ["you", "we", "they"]:
    for o in cases(p):
        both(o, "'re")
for p in ["he", "she", "it"]:
    for o in cases(p):
        both(o, "'s")
for w, plural in [("who", 0), ("what", 0), ("when", 0), ("where", 0), ("why", 0), ("how", 0),
                  ("there", 0), ("that", 0), ("this", 0), ("these", 1), ("those", 1)]:
    sing3 = w in ("that", "this")
    for o in cases(w):
        sufs = [] if plural else [("'s",)]
        sufs += [("'ll",), ("'ll", "'ve")]
        sufs += [] if sing3 else [("'re",), ("'ve",)]
        sufs += [("'d",), ("'d", "'ve")]
        for x in sufs:
            both(o, *x)
for v in ["ca", "could", "do", "does", "did", "had", "may", "might", "must", "need", "ought",
          "sha", "should", "wo", "would"]:
    for o in cases(v):
        both(o, "n't")
        both(o, "n't", "'ve")
for v in ["could", "might", "must", "should", "would"]:
    for o in cases(v):
        both(o, "'ve")
for v in ["ai", "are", "is", "was", "were", "have", "has", "dare"]:
    for o in cases(v):
        both(o, "n't")
for w in ["doin", "goin", "nothin", "nuthin", "ol", "somethin"]:
    for o in cases(w):
        e(o, o)
        e(o + "'", o + "'")
for w in ["em", "ll", "nuff"]:
    e(w, w)
    e("'" + w, "'" + w)
for h in range(1, 13):
    for per in ["a.m.", "am", "p.m.", "pm"]:
        e(f"{h}{per}", str(h), per)
for o, toks in [("y'all", ["y'", "all"]), ("yall", ["y", "all"]), ("how'd'y", ["how", "'d", "'y"]),
                ("How'd'y", ["How", "'d", "'y"]), ("not've", ["not", "'ve"]), ("notve", ["not", "ve"]),
                ("Not've", ["Not", "'ve"]), ("Notve", ["Not", "ve"]), ("cannot", ["can", "not"]),
                ("Cannot", ["Can", "not"]), ("gonna", ["gon", "na"]), ("Gonna", ["Gon", "na"]),
                ("gotta", ["got", "ta"]), ("Gotta", ["Got", "ta"]), ("let's", ["let", "'s"]),
                ("Let's", ["Let", "'s"]), ("c'mon", ["c'm", "on"]), ("C'mon", ["C'm", "on"])]:
    e(o, *toks)
for o in ("'S 's \u2018S \u2018s and/or w/o 're 'Cause 'cause 'cos 'Cos 'coz 'Coz 'cuz 'Cuz 'bout "
          "ma'am Ma'am o'clock O'clock lovin' Lovin' lovin Lovin havin' Havin' havin Havin doin' "
          "Doin' doin Doin goin' Goin' goin Goin Mt. Ak. Ala. Apr. Ariz. Ark. Aug. Calif. Colo. "
          "Conn. Dec. Del. Feb. Fla. Ga. Ia. Id. Ill. Ind. Jan. Jul. Jun. Kan. Kans. Ky. La. Mar. "
          "Mass. Mich. Minn. Miss. N.C. N.D. N.H. N.J. N.M. N.Y. Neb. Nebr. Nev. Nov. Oct. Okla. "
          "Ore. Pa. S.C. Sep. Sept. Tenn. Va. Wash. Wis. "
          "'d a.m. Adm. Bros. co. Co. Corp. D.C. Dr. e.g. E.g. E.G. Gen. Gov. i.e. I.e. I.E. Inc. "
          "Jr. Ltd. Md. Messrs. Mo. Mont. Mr. Mrs. Ms. p.m. Ph.D. Prof. Rep. Rev. Sen. St. vs. "
          "v.s.").split():
    e(o, o)
for o in EXCLUDE:
    en.pop(o, None)
exc.update(en)
# update_exc: every case with "'" once more with U+2019
for o, toks in list(exc.items()):
    if "'" in o:
        exc[o.replace("'", "\u2019")] = [t.replace("'", "\u2019") for t in toks]


def cstr(s):
    out = ""
    for b in s.encode():
        c = chr(b)
        if c in '"\\':
            out += "\\" + c
        elif 0x20 <= b < 0x7f:
            out += c
        else:
            out += "\\%03o" % b
    return '"' + out + '"'


rows = sorted(exc.items(), key=lambda kv: kv[0].encode())
assert max(len(t) for _, t in rows) <= 3
assert max(len(o.encode()) for o, _ in rows) < 64
print("/* words_specials.h - generated by tools/gen-spacy-specials.py: spaCy's")
print(" * English special cases (tokenizer exceptions), %d of them.  Do not edit. */" % len(rows))
print("struct words_special {\n\tconst char *s;\n\tunsigned char len, ntok, tok[3]; /* bytes */\n};")
print("static const struct words_special words_specials[%d] = {" % len(rows))
for o, toks in rows:
    lens = [len(t.encode()) for t in toks] + [0] * (3 - len(toks))
    print("\t{ %s, %d, %d, { %s } }," % (cstr(o), len(o.encode()), len(toks), ", ".join(map(str, lens))))
print("};")

#!/usr/bin/env python3
"""tok_corpus.py - the documents the tokenizer comparison runs on.

  tok_corpus.py udhr DIR OUT.jsonl     every UDHR text file as one document
  tok_corpus.py edge OUT.jsonl         edge cases every tokenizer gets
  tok_corpus.py long OUT.jsonl         long runs of one character (too slow
                                       for tiktoken's quadratic merge loop)
Files are read as bytes; invalid UTF-8 goes into the JSONL line as it is
(sluice and the Node reference both replace it with U+FFFD).
"""
import json
import os
import sys


def line(out, i, text):
    if isinstance(text, bytes):
        # keep raw bytes: JSON-escape everything valid, pass invalid bytes
        # through, the way crawled JSONL arrives
        s = text.decode('utf-8', 'surrogateescape')
        enc = json.dumps(s, ensure_ascii=False)
        out.write(b'{"id":"' + str(i).encode() + b'","text":' +
                  enc.encode('utf-8', 'surrogateescape') + b'}\n')
    else:
        out.write(json.dumps({"id": str(i), "text": text}, ensure_ascii=False).encode() + b'\n')


def edge():
    sp = ["<|endoftext|>", "<|fim_prefix|>", "<|fim_middle|>", "<|fim_suffix|>",
          "<|endofprompt|>", "<|begin_of_text|>", "<|end_of_text|>", "<|eot_id|>"]
    t = ["", " ", "  ", "\n", "\r\n", "\t", " \n \n\n  \t", "a", "'s", "'S 'LL 'Re",
         "\u017f's", "don't I'll we've they're he'd", "x" + " " * 1000, " " * 1000 + "x",
         "a" * 20000, " " * 20000, "ab" * 5000, "\n" * 5000, "1234567890" * 100,
         "\u4e00" * 3000, "👨‍👩‍👧‍👦 🏳️‍🌈 👍🏽 🇫🇷🇩🇪 ❤️", "é" * 500, "e\u0301" * 300,
         "\u0085 x\u0085\u0085y \u00a0z\u2028w\u3000v", "\u200b\u200d\ufeff", "\U0001F600" * 200,
         "".join(sp), " ".join(sp), "text<|endoftext|>more", "Hello\r\nworld\r\n\r\n",
         "𝔘𝔫𝔦𝔠𝔬𝔡𝔢 𝕞𝕒𝕥𝕙 ∑∫√", "Ⅻ ² ½ ١٢٣ ๑๒", "ＡＢＣ　ｘ", "a/b/c //x\r\n/", "   \n   x",
         "The quick brown fox jumps over the lazy dog. " * 50]
    out = sys.stdout.buffer if len(sys.argv) < 3 else open(sys.argv[2], 'wb')
    for i, s in enumerate(t):
        line(out, "edge%d" % i, s)
    for i, b in enumerate([b"abc\xff\xfedef", b"\xc3(", b"caf\xc3", b"\xed\xa0\x80 x", b"\xf4\x90\x80\x80",
                           b"ok \xe2\x82 ok"]):
        line(out, "bad%d" % i, b)
    out.write(b'{"id":"esc","text":"lone \\ud800 surrogate \\udfff and \\u0000 nul"}\n')


def main():
    if sys.argv[1] == 'udhr':
        with open(sys.argv[3], 'wb') as out:
            for name in sorted(os.listdir(sys.argv[2])):
                with open(os.path.join(sys.argv[2], name), 'rb') as f:
                    line(out, name, f.read())
    elif sys.argv[1] == 'edge':
        edge()
    elif sys.argv[1] == 'long':
        with open(sys.argv[2], 'wb') as out:
            for i, s in enumerate(["a" * 100000, " " * 100000, "ab" * 50000, "\u4e00" * 50000,
                                   "x" * 100000 + " y", "1" * 100000]):
                line(out, "long%d" % i, s)


main()

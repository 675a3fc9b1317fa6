#!/usr/bin/env python3
"""Parses a rendered trainer config with the trainer's own parser, as its CLI would, without training.

    <venv>/bin/python check_config.py TRAINER CONFIG [CONFIG ...] [TRAINER CONFIG ...]

TRAINER is one of:
  trl                 what `trl sft --config CONFIG` does before it launches: TRL's TrlParser over (ScriptArguments,
                      SFTConfig, ModelConfig, DatasetMixtureConfig), then the keys none of those take go to
                      `accelerate launch`'s parser, which rejects what it doesn't know ("unrecognized arguments").
                      Without a GPU, a config that doesn't set use_cpu is checked with `use_cpu: true` added (see
                      cpu_overlay).
  llamafactory        what `llamafactory-cli train CONFIG` does: read_args (OmegaConf) and get_train_args, which
                      raises on unknown keys (ALLOW_EXTRA_ARGS unset).
  llamafactory-serve  what `llamafactory-cli api CONFIG` (and chat) does: read_args and get_infer_args.
  axolotl             axolotl's validate_config (its pydantic AxolotlInputConfig, without GPU capabilities, as this
                      machine has none). Axolotl itself silently drops keys it doesn't know, so this checker also
                      rejects top-level keys that are no field of AxolotlInputConfig, and dataset keys that are no
                      field of SFTDataset: a stricter check than `axolotl train`, on axolotl's own schema.

Run it with the python of that trainer's venv (scripts/trainers/setup.sh). Exit status: 0 accepted, 1 rejected (the
trainer's message on stderr), 2 bad usage. Several files are checked in one process (the imports take most of
the time), each with a fresh parser; a word naming a trainer starts a new group (`llamafactory a.yaml
llamafactory-serve b.yaml`); the status is 1 if any was rejected. One line per file says `check_config: TRAINER
accepts PATH` (stdout) or `check_config: TRAINER rejects PATH...` (stderr). Nothing is downloaded: the model path is not opened.
"""
import os
import sys
import traceback

os.environ.setdefault('HF_HUB_OFFLINE', '1')
os.environ.setdefault('DISABLE_VERSION_CHECK', '1')
os.environ.setdefault('AXOLOTL_DO_NOT_TRACK', '1')
os.environ.setdefault('WANDB_DISABLED', 'true')


TRAINERS = ('trl', 'llamafactory', 'llamafactory-serve', 'axolotl')


class Rejected(Exception):
    """The trainer's parser refused the config; the message is the trainer's."""


def check_trl(path):
    config = cpu_overlay(path)
    try:
        check_trl_parse(config)
    finally:
        if config != path:
            os.remove(config)


def check_trl_parse(path):
    # trl/cli/commands/training.py: TrainingCommand.run, with the launch itself replaced by a no-op.
    from trl.cli.accelerate_config import resolve_accelerate_config_argument
    from trl.cli.accelerate_launcher import launch_training_script
    from trl.cli.commands.training import _subtract_subsequence
    from trl.scripts.sft import make_parser

    all_args = ['--config', path]
    parser = make_parser(prog='trl sft')
    *_, config_remaining, cli_remaining = parser.parse_args_and_config(all_args, return_remaining_strings=True, separate_remaining_strings=True)
    launch_args = resolve_accelerate_config_argument(config_remaining + cli_remaining)
    launched = []
    try:
        launch_training_script(
            script_name='sft.py', launch_args=launch_args, training_script_args=_subtract_subsequence(all_args, cli_remaining),
            launch_command_fn=launched.append,
        )
    except SystemExit as exc:  # argparse has printed "Accelerate launch command: error: unrecognized arguments: ..."
        if exc.code not in (0, None):
            raise Rejected(f'accelerate launch rejected the keys {config_remaining}') from exc
    # The script's own parse (trl/scripts/sft.py __main__) sees the same file; its dataclasses were built above.


def cpu_overlay(path):
    """path itself, or on a machine without a GPU a temporary copy with `use_cpu: true` if the config doesn't set it:
    TrainingArguments (transformers 5) refuses SFTConfig's bf16 default without a GPU ("Your setup doesn't support
    bf16/gpu"), a fact of this machine, not of the config."""
    import tempfile

    import torch
    import yaml

    with open(path, encoding='utf-8') as f:
        config = yaml.safe_load(f)
    if torch.cuda.is_available() or not isinstance(config, dict) or 'use_cpu' in config:
        return path
    config['use_cpu'] = True
    fd, copy = tempfile.mkstemp(prefix='check-config-', suffix='.yaml')
    with os.fdopen(fd, 'w', encoding='utf-8') as f:
        yaml.safe_dump(config, f, sort_keys=False)
    return copy


def check_llamafactory(path, infer):
    # llamafactory/cli.py drops the subcommand, so read_args sees argv[1] = the config file.
    from llamafactory.hparams import get_infer_args, get_ray_args, get_train_args, read_args

    saved = sys.argv
    sys.argv = ['llamafactory-cli', os.path.abspath(path)]
    try:
        args = read_args()
    finally:
        sys.argv = saved
    if infer:
        get_infer_args(args)  # ChatModel.__init__ (api, chat, webchat)
    else:
        get_ray_args(args)  # train/tuner.py run_exp: ray keys first, then the training function's own parse
        get_train_args(args)


def check_axolotl(path):
    import yaml
    from axolotl.utils.config import validate_config
    from axolotl.utils.dict import DictDefault
    from axolotl.utils.schemas.config import AxolotlInputConfig
    from axolotl.utils.schemas.datasets import SFTDataset

    with open(path, encoding='utf-8') as f:
        raw = yaml.safe_load(f)
    if not isinstance(raw, dict):
        raise Rejected(f'{path} is no YAML mapping')
    unknown = unknown_keys(raw, AxolotlInputConfig)
    for i, ds in enumerate(raw.get('datasets') or []):
        if isinstance(ds, dict):
            unknown += [f'datasets[{i}].{k}' for k in unknown_keys(ds, SFTDataset)]
    if unknown:
        raise Rejected(f'keys that axolotl would silently ignore (no field of its config schema): {unknown}')
    validate_config(DictDefault(raw))


def unknown_keys(data, model):
    """The keys of data that are neither a field nor an alias of the pydantic model."""
    known = set()
    for name, field in model.model_fields.items():
        known.update(x for x in (name, field.alias, field.validation_alias) if isinstance(x, str))
    return [k for k in data if k not in known]


def check_one(trainer, path):
    """0 if the trainer accepts the file at path, 1 if it rejects it (its message printed on stderr)."""
    try:
        if trainer == 'trl':
            check_trl(path)
        elif trainer == 'axolotl':
            check_axolotl(path)
        else:
            check_llamafactory(path, infer=trainer == 'llamafactory-serve')
    except Rejected as exc:
        print(f'check_config: {trainer} rejects {path}: {exc}', file=sys.stderr)
        return 1
    except SystemExit as exc:  # an argparse error inside the trainer's parser: it has printed its message
        if exc.code in (0, None):
            raise
        print(f'check_config: {trainer} rejects {path} (its parser exited {exc.code})', file=sys.stderr)
        return 1
    except Exception as exc:  # ValueError and friends: the trainer's own validation message
        traceback.print_exc(limit=3)
        print(f'check_config: {trainer} rejects {path}: {type(exc).__name__}: {exc}', file=sys.stderr)
        return 1
    print(f'check_config: {trainer} accepts {path}')
    return 0


def main(argv):
    if len(argv) < 2 or argv[0] not in TRAINERS:
        print(__doc__, file=sys.stderr)
        return 2
    jobs = []
    for word in argv:
        if word in TRAINERS:
            trainer = word
        else:
            jobs.append((trainer, word))
    missing = [path for _, path in jobs if not os.path.isfile(path)]
    if missing or not jobs:
        print(f'check_config: no file {missing[0]}' if missing else __doc__, file=sys.stderr)
        return 2
    return max(check_one(trainer, path) for trainer, path in jobs)


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))

"""The seed article's workflow that tunefile replaces: load -> dedupe -> suffix -> stratified split -> JSONL.

Usage: /usr/bin/python3 bench/pandas_workflow.py INPUT.jsonl OUT_DIR [--valid 0.2] [--seed 42]
Needs Debian's python3-pandas and python3-sklearn. Prints one JSON line with the row counts.
"""
import argparse
import json
import os

import pandas as pd
from sklearn.model_selection import train_test_split


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("input")
    parser.add_argument("out_dir")
    parser.add_argument("--valid", type=float, default=0.2)
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args()

    df = pd.read_json(args.input, lines=True, dtype=False)
    n_input = len(df)
    df = df.drop_duplicates(subset="prompt", keep="first")
    df["prompt"] = df["prompt"].apply(lambda p: p + "\n\n###\n\n")
    df["completion"] = df["completion"].apply(lambda c: " " + c.lstrip() + "\n")
    train, valid = train_test_split(
        df, test_size=args.valid, random_state=args.seed, stratify=df["completion"]
    )
    os.makedirs(args.out_dir, exist_ok=True)
    train.to_json(os.path.join(args.out_dir, "train.jsonl"), orient="records", lines=True, force_ascii=False)
    valid.to_json(os.path.join(args.out_dir, "valid.jsonl"), orient="records", lines=True, force_ascii=False)
    print(json.dumps({"input": n_input, "deduped": len(df), "train": len(train), "valid": len(valid)}))


if __name__ == "__main__":
    main()

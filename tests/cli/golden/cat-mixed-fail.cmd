"$SLUICE" cat tests/data/jsonl-mixed.jsonl

"$SLUICE" cat --on-error skip tests/data/jsonl-mixed.jsonl

"$SLUICE" warc tests/data/demo/resiliparse-CC-MAIN-2020-34-excerpt.warc.gz

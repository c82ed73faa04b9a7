"$SLUICE" warc tests/data/demo/resiliparse-CC-MAIN-2020-34-excerpt.warc.gz --max-doc-bytes 4k --stats /dev/stdout -o /dev/null | grep -v seconds

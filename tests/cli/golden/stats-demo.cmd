"$SLUICE" warc tests/data/demo/*.gz | "$SLUICE" stats --field source --field metadata.charset --field metadata.warc_type

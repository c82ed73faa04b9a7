"$SLUICE" warc tests/data/demo/*.warc.gz tests/data/demo/*.wet.gz | "$SLUICE" stats --field source --field metadata.charset --field metadata.warc_type
